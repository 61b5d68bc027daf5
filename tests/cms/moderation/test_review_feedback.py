"""Review feedback where the author looks, through the admin: the change-request banner at the top of the editor,
findings placed in words beside the text, the reviewer's confirmation, a second draft from the same entry, and
empty half-built blocks that never reach a saved revision."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from wagtail.models import WorkflowState

from cms.articles.models import Article
from cms.core.documents import ArticleDocument, DocumentBlock
from cms.encyclopedia.models import EncyclopediaEntry
from cms.moderation.checks.findings import TextLocation
from cms.moderation.places import place_of
from tests import admin_forms
from tests.admin_language import admin_text
from tests.cms.moderation.admin_workflow import (
    FORBIDDEN_CLAIM,
    SAFE_TEXT,
    submit_edit,
    workflow_action_url,
    write_article,
)

pytestmark = pytest.mark.django_db
COMMENT = "第二段的疗效说法没有依据，请删去“根治”，并补充参考文献。"


@pytest.fixture(autouse=True)
def no_media_renders(settings):
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False


@pytest.fixture
def admin_post(client, django_capture_on_commit_callbacks):
    def post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return post


def _edit_html(client, article) -> str:
    response = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _banner(html: str) -> str:
    match = re.search(
        r'<div class="help-block help-warning kepu-review-banner" data-review-banner.*?</ol>|'
        r'<div class="help-block help-warning kepu-review-banner" data-review-banner.*?kepu-review-banner__next',
        html,
        re.S,
    )
    return match.group(0) if match else ""


def test_change_request_banner_and_findings_beside_the_text(client, admin_post, studio, people):
    doctor, editor = people["doctor_a"], people["editor"]
    with translation.override("en"):
        article = write_article(
            client, admin_post, studio["zh-hans"]["articles"], doctor, "控制血压", SAFE_TEXT + FORBIDDEN_CLAIM
        )
    html = _edit_html(client, article)
    assert "data-review-banner" not in html  # nothing was requested yet

    # The editor requests changes through Wagtail's workflow action; the confirmation says what happened.
    client.force_login(editor)
    response = admin_post(workflow_action_url(article, "reject"), {"comment": COMMENT})
    assert response.status_code == 302
    response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == reverse("moderation_queue")
    said = [str(message) for message in get_messages(response.wsgi_request)]
    # (in the admin's language: the message was written by the request that asked for the changes)
    before, after = admin_text(
        "Changes requested on “%(title)s”. %(author)s will see your comment at the top of the editor."
    ).split("%(author)s")
    assert any(before % {"title": "控制血压"} in message and after in message for message in said), said

    # The author opens the editor: the banner is at the top (before the title field) with the comment and findings.
    client.force_login(doctor)
    html = _edit_html(client, article)
    banner = _banner(html)
    assert banner and COMMENT in banner
    assert html.index("data-review-banner") < html.index('id="id_title"')
    assert 'data-severity="error"' in banner
    body_block_id = Article.objects.get(pk=article.pk).get_latest_revision_as_object().body[0].id
    assert f'data-kepu-goto-block="{body_block_id}"' in banner  # each finding links to its block
    assert admin_text("Paragraph %(number)s", number=1) in banner and "block 0" not in banner and "chars" not in banner

    # The findings sit in Wagtail's Checks side panel, beside the text, not at the bottom of the form.
    side_panel = html[html.index('data-side-panel="checks"') :]
    assert "data-moderation-check-results" in side_panel and 'data-verdict="errors"' in side_panel
    assert 'data-error-count="' in side_panel and "data-submit-warning=" in side_panel
    assert "editor-feedback.js" in html
    form = html[html.index('id="id_title"') : html.index('data-side-panel="checks"')]
    assert "data-moderation-check-results" not in form

    # After resubmission the banner goes: the change request is answered.
    submit_edit(client, admin_post, article, "控制血压", SAFE_TEXT)
    assert Article.objects.get(pk=article.pk).current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert "data-review-banner" not in _edit_html(client, article)


def test_request_changes_from_the_editors_action_menu_confirms_it(client, admin_post, studio, people):
    doctor, editor = people["doctor_a"], people["editor"]
    article = write_article(client, admin_post, studio["zh-hans"]["articles"], doctor, "少吃糖", SAFE_TEXT)
    client.force_login(editor)
    data = admin_forms.article_form("少吃糖", SAFE_TEXT, slug=article.slug, summary="简短摘要。")
    data.update(
        {
            "action-workflow-action": "true",
            "workflow-action-name": "reject",
            "workflow-action-extra-data": json.dumps({"comment": COMMENT}),
        }
    )
    response = admin_post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert response.status_code == 302 and "changes-requested" in response["Location"]
    final = client.get(response["Location"], follow=True)
    said = [str(message) for message in final.context["messages"]]
    assert len([m for m in said if "少吃糖" in m]) == 1, said  # "changes requested", not also "has been updated"
    assert Article.objects.get(pk=article.pk).current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_finding_places_in_words():
    document = ArticleDocument(
        title="在家测血压",
        language="zh-hans",
        summary="摘要",
        blocks=(
            DocumentBlock("heading", text="为什么", block_id="h1"),
            DocumentBlock("paragraph", text="第一段正文。", block_id="p1"),
            DocumentBlock("key_points", text="", items=("早晚各量一次", "记下结果"), block_id="k1"),
            DocumentBlock("paragraph", text="本药可根治高血压，无效退款，请放心服用。", block_id="p2"),
            DocumentBlock("qa", text="准吗？", answer="准。", block_id="q1"),
            DocumentBlock("references", items=("指南", "共识"), block_id="r1"),
        ),
    )
    with translation.override("en"):
        assert (
            place_of(TextLocation(3, "p2", "paragraph", "text", 2, 4), document).words
            == "Paragraph 2 “本药可根治高血压，无……”"
        )
        assert place_of(TextLocation(3, "p2", "paragraph", "text"), document).block_id == "p2"
        assert place_of(TextLocation(None, field="title"), document).words == "Title"
        assert place_of(TextLocation(2, "k1", "key_points", "items[1]"), document).words == "Key point 2 “记下结果”"
        assert place_of(TextLocation(4, "q1", "qa", "answer"), document).words == "Question and answer 1, answer “准。”"
        assert place_of(TextLocation(5, "r1", "references", "items[0]"), document).words.startswith("Reference 1")
        assert place_of(TextLocation(0, "h1", "heading", "text"), document).words == "Heading 1 “为什么”"


def test_starting_twice_from_an_entry_warns_and_links_to_the_draft(client, encyclopedia, people):
    entry = EncyclopediaEntry.objects.get(icd10_codes="M10", locale__language_code="zh-hans")
    url = reverse("articles_start_from_entry", args=[entry.pk])
    client.force_login(people["doctor_a"])
    client.post(url)
    first = Article.objects.get(source_entry=entry)
    page = client.get(url).content.decode()
    assert "data-existing-drafts" in page and reverse("wagtailadmin_pages:edit", args=[first.pk]) in page
    # A plain second POST (a stale form, a double click) does not make a second draft.
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    assert Article.objects.filter(source_entry=entry).count() == 1
    # Asked for explicitly, it does.
    client.post(url, {"another": "yes"})
    assert Article.objects.filter(source_entry=entry).count() == 2
    # Another doctor starting from the same entry is not warned about someone else's draft.
    client.force_login(people["doctor_b"])
    assert "data-existing-drafts" not in client.get(url).content.decode()


def test_a_draft_save_drops_an_illustration_block_left_empty(client, admin_post, studio, people):
    """Autosave and "Save draft" skip required fields; an illustration added but never chosen must not be kept."""
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    doctor = people["doctor_a"]
    article = write_article(
        client, admin_post, studio["zh-hans"]["articles"], doctor, "足部护理", SAFE_TEXT, submit=False
    )
    data = admin_forms.article_form("足部护理", SAFE_TEXT, slug=article.slug, summary="简短摘要。")
    data.update(
        nested_form_data(
            {
                "body": streamfield(
                    [
                        ("paragraph", rich_text(f"<p>{SAFE_TEXT}</p>")),
                        ("image", {"image": "", "caption": ""}),
                        ("key_points", {"title": "", "points": streamfield([])}),
                    ]
                )
            }
        )
    )
    response = admin_post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert response.status_code == 302, response.content[:3000]
    kinds = [block.block_type for block in Article.objects.get(pk=article.pk).get_latest_revision_as_object().body]
    assert kinds == ["paragraph"]
    # Submitting that draft is not blocked by a block the doctor cannot see any more.
    submit_edit(client, admin_post, article, "足部护理", SAFE_TEXT)
    assert Article.objects.get(pk=article.pk).current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
