"""A reviewer previews what is waiting for review: the pending revision of an article or an entry, every block type.

Previews render a page rebuilt from its revision, whose many-to-many fields are in-memory lists rather than
querysets; the public templates must render them as they render the live page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Page

from cms.articles.models import Article
from cms.encyclopedia.models import EncyclopediaEntry
from tests.builders import make_illustration, stream

pytestmark = pytest.mark.django_db

# One of each article block type, with text the checks accept.
PENDING_TEXT = "改过的段落：每天量两次血压，早晚各一次。"


def _every_article_block(illustration) -> str:
    return stream(
        ("heading", "为什么要量血压"),
        ("paragraph", f"<p>{PENDING_TEXT}</p>"),
        ("image", {"image": illustration.pk, "caption": "上臂式血压计"}),
        ("key_points", {"title": "要点", "points": ["早晚各量一次", "记下结果"]}),
        ("warning", {"level": "urgent", "text": "<p>胸痛时请立即拨打 120。</p>"}),
        ("qa", {"question": "在家量的血压准吗？", "answer": "<p>用上臂式电子血压计就准。</p>"}),
        (
            "references",
            {"references": [{"citation": "中国高血压防治指南（2024年修订版）", "url": "https://example.org/g"}]},
        ),
    )


@pytest.fixture(autouse=True)
def no_media_renders(settings):
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False


@pytest.fixture
def entries(studio):
    parent = studio["zh-hans"]["encyclopedia"]
    made = []
    for slug, title in (("i10", "高血压"), ("e11", "糖尿病")):
        entry = EncyclopediaEntry(
            title=title,
            slug=slug,
            summary=f"{title}的概述。",
            sections=stream(
                ("overview", {"heading": "", "body": f"<p>{title}是常见的慢性病。</p>"}),
            ),
        )
        parent.add_child(instance=entry)
        entry.save_revision().publish()
        made.append(entry)
    return made


def _submit_pending(client, page, author):
    """Put the page's latest revision into the Medical review workflow as ``author`` would."""
    workflow = page.get_workflow()
    assert workflow is not None, "articles and entries are under the review workflow"
    workflow.start(page, author)
    page.refresh_from_db()
    assert page.current_workflow_task_state is not None
    return page.current_workflow_task_state


def _assert_renders_pending(client, page, task_state, expected: str):
    for url in (
        reverse("wagtailadmin_pages:view_draft", args=[page.pk]),
        reverse("wagtailadmin_pages:workflow_preview", args=[page.pk, task_state.task_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:3000])
        assert expected in response.content.decode(), url


def test_editor_previews_a_published_article_with_changes_waiting_for_review(client, studio, people, entries):
    doctor, editor = people["doctor_a"], people["editor"]
    illustration = make_illustration()
    article = Article(
        title="在家测血压",
        slug="home-bp",
        owner=doctor,
        summary="早晚各量一次。",
        body=_every_article_block(illustration),
        source_entry=entries[0],
    )
    article.related_entries = entries
    studio["zh-hans"]["articles"].add_child(instance=article)
    article.save_revision(user=doctor).publish(user=editor)

    # The doctor changes the published article; the change waits for review.
    article = Article.objects.get(pk=article.pk)
    article.body = _every_article_block(illustration).replace("改过的段落", "第二版段落")
    article.related_entries = [entries[1]]
    article.save_revision(user=doctor)
    task_state = _submit_pending(client, Page.objects.get(pk=article.pk).specific, doctor)

    client.force_login(editor)
    _assert_renders_pending(client, article, task_state, "第二版段落")
    body = client.get(reverse("wagtailadmin_pages:view_draft", args=[article.pk])).content.decode()
    assert "糖尿病" in body  # the pending revision's related entry, not the live one's
    for block_marker in (
        "为什么要量血压",
        "上臂式血压计",
        "早晚各量一次",
        "胸痛时请立即拨打",
        "在家量的血压准吗",
        "中国高血压防治指南",
    ):
        assert block_marker in body, block_marker

    # The author previews it too; the public site still shows the live revision.
    client.force_login(doctor)
    assert client.get(reverse("wagtailadmin_pages:view_draft", args=[article.pk])).status_code == 200
    client.logout()
    live = client.get(article.url)
    assert live.status_code == 200 and "第二版段落" not in live.content.decode()


def test_editor_previews_a_new_article_waiting_for_review(client, studio, people, entries):
    doctor, editor = people["doctor_a"], people["editor"]
    article = Article(
        title="糖尿病饮食",
        slug="diabetes-diet",
        owner=doctor,
        live=False,
        body=_every_article_block(make_illustration()),
    )
    article.related_entries = entries
    studio["zh-hans"]["articles"].add_child(instance=article)
    article.save_revision(user=doctor)
    task_state = _submit_pending(client, article, doctor)
    client.force_login(editor)
    _assert_renders_pending(client, article, task_state, PENDING_TEXT)


def test_editor_previews_an_entry_with_changes_waiting_for_review(client, studio, people, entries):
    editor = people["editor"]
    entry = EncyclopediaEntry.objects.get(pk=entries[0].pk)
    illustration = make_illustration()
    article = Article(
        title="量血压", slug="bp", owner=people["doctor_a"], body=stream(("paragraph", "<p>量血压。</p>"))
    )
    article.related_entries = [entry]
    studio["zh-hans"]["articles"].add_child(instance=article)
    article.save_revision().publish()

    entry.summary = "修订中的概述：血压长期偏高。"
    entry.illustrations = stream(("illustration", {"image": illustration.pk, "caption": "血压计"}))
    entry.references = stream(("reference", {"citation": "中国高血压防治指南", "url": ""}))
    entry.sections = stream(
        ("overview", {"heading": "", "body": "<p>修订中的正文。</p>"}),
        ("symptoms", {"heading": "", "body": "<ul><li>头晕</li></ul>"}),
    )
    entry.save_revision(user=editor)
    task_state = _submit_pending(client, entry, editor)
    client.force_login(editor)
    _assert_renders_pending(client, entry, task_state, "修订中的正文")
