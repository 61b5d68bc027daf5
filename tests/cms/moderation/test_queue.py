"""The editors' review queue: what waits, oldest first, with the check verdict; filters; only for reviewers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Workflow
from wagtail.rich_text import RichText

from cms.articles.models import Article
from cms.core.studio_setup import MEDICAL_REVIEW


@pytest.fixture(autouse=True)
def no_media_renders(settings):
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Save a revision and submit it for review as the author, running the queued checks."""

    def submit(index, author, title, text, *, waited: timedelta = timedelta()):
        article = Article(
            title=title,
            slug=f"queue-{Article.objects.count()}",
            owner=author,
            live=False,
            summary="s",
            body=[("paragraph", RichText(f"<p>{text}</p>"))],
        )
        index.add_child(instance=article)
        with django_capture_on_commit_callbacks(execute=True):
            article.save_revision(user=author)
            Workflow.objects.get(name=MEDICAL_REVIEW).start(article, author)
        task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
        task_state.__class__.objects.filter(pk=task_state.pk).update(started_at=timezone.now() - waited)
        return Article.objects.get(pk=article.pk)

    return submit


@pytest.fixture
def queue_articles(studio, people, submit):
    return {
        "claim": submit(
            studio["zh-hans"]["articles"],
            people["doctor_a"],
            "神药",
            "本药可根治高血压，无效退款。",
            waited=timedelta(days=3),
        ),
        "plain": submit(
            studio["en"]["articles"],
            people["doctor_b"],
            "Sleep well",
            "Go to bed at the same time.",
            waited=timedelta(hours=5),
        ),
    }


def rows(html: str) -> list[str]:
    """Task-state ids of the queue rows, in display order."""
    import re

    return re.findall(r'data-task-state="(\d+)"', html)


def test_queue_lists_waiting_submissions_oldest_first_with_verdicts(client, people, queue_articles):
    client.force_login(people["editor"])
    response = client.get(reverse("moderation_queue"))
    assert response.status_code == 200
    html = response.content.decode()
    claim, plain = queue_articles["claim"], queue_articles["plain"]
    assert rows(html) == [str(claim.current_workflow_task_state.pk), str(plain.current_workflow_task_state.pk)]
    assert f'data-task-state="{claim.current_workflow_task_state.pk}" data-verdict="errors"' in html
    assert f'data-task-state="{plain.current_workflow_task_state.pk}" data-verdict="pass"' in html
    assert "dr.a" in html and "dr.b" in html  # authors without a full name show their username
    entries = response.context["entries"]
    assert entries[0].report.error_count >= 2 and entries[0].waiting >= timedelta(days=3)
    assert entries[1].report.error_count == 0
    # One click to the diff and to the editor with its comments.
    for entry in entries:
        assert client.get(entry.compare_url).status_code == 200
        assert client.get(entry.edit_url).status_code == 200


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"verdict": "errors"}, ["claim"]),
        ({"verdict": "pass"}, ["plain"]),
        ({"language": "en"}, ["plain"]),
        ({"language": "zh-hans"}, ["claim"]),
        ({"verdict": "warnings"}, []),
    ],
)
def test_queue_filters(client, people, queue_articles, query, expected):
    client.force_login(people["editor"])
    html = client.get(reverse("moderation_queue"), query).content.decode()
    assert rows(html) == [str(queue_articles[key].current_workflow_task_state.pk) for key in expected]


def test_queue_filters_by_author(client, people, queue_articles):
    client.force_login(people["editor"])
    html = client.get(reverse("moderation_queue"), {"author": people["doctor_b"].pk}).content.decode()
    assert rows(html) == [str(queue_articles["plain"].current_workflow_task_state.pk)]


def test_approved_submissions_leave_the_queue(client, people, queue_articles):
    plain = queue_articles["plain"]
    plain.current_workflow_task_state.approve(user=people["editor"])
    client.force_login(people["editor"])
    html = client.get(reverse("moderation_queue")).content.decode()
    assert rows(html) == [str(queue_articles["claim"].current_workflow_task_state.pk)]


def test_doctors_and_outsiders_cannot_see_the_queue(client, people, queue_articles):
    for who in ("doctor_a", "doctor_b"):
        client.force_login(people[who])
        response = client.get(reverse("moderation_queue"))
        assert response.status_code == 302 and "神药" not in response.content.decode()
        home = client.get(reverse("wagtailadmin_home")).content.decode()
        assert reverse("moderation_queue") not in home
    client.force_login(people["outsider"])
    assert client.get(reverse("moderation_queue")).status_code == 302
    client.force_login(people["editor"])
    assert reverse("moderation_queue") in client.get(reverse("wagtailadmin_home")).content.decode()


def test_author_filter_lists_doctors_by_name(client, people, queue_articles):
    client.force_login(people["editor"])
    html = client.get(reverse("moderation_queue")).content.decode()
    options = html.split('name="author"')[1].split("</select>")[0]
    assert "张医生" in options and "Dr. Brown" in options
    assert ">dr.a<" not in options and ">dr.b<" not in options
