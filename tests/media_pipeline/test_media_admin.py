"""The media jobs admin: listing with progress and failure reason, retry, cancel, "render now", permissions."""

from __future__ import annotations

import shutil

import pytest
from django.urls import reverse
from wagtail.rich_text import RichText

from cms.articles.models import Article
from media_pipeline import jobs
from media_pipeline.models import FailureKind, MediaRender, RenderKind, RenderStatus
from tests.builders import draft_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng"),
]


@pytest.fixture(autouse=True)
def media_settings(settings, tmp_path_factory, monkeypatch):
    settings.KEPU_TTS_ENGINES = ["espeak"]
    settings.KEPU_TTS_CACHE_DIR = str(tmp_path_factory.getbasetemp() / "tts-cache")
    monkeypatch.setattr("media_pipeline.share_urls._resolver", None)  # no share links: the page URL


def published_article(studio, people, owner="doctor_a", title="少吃盐"):
    article = draft_article(
        studio["zh-hans"]["articles"],
        people[owner],
        title,
        slug=f"salt-{Article.objects.count()}",
        body=[("paragraph", RichText("<p>每天少于五克盐。</p>"))],
    )
    article.latest_revision.publish(user=people["editor"])
    article.refresh_from_db()
    return article


def test_retry_from_the_admin_reruns_a_failed_voice_after_the_doctor_fixes_the_voice(client, studio, people):
    profile = people["doctor_a"].doctor_profile
    profile.preferred_voice = "zh-CN-Misspelled"
    profile.save()
    article = published_article(studio, people)
    voice = jobs.request_renders(article, [RenderKind.VOICE])[0].render
    jobs.dispatch_renders([voice])
    voice.refresh_from_db()
    assert voice.status == RenderStatus.FAILED and voice.error_kind == FailureKind.VOICE

    client.force_login(people["editor"])
    listing = client.get(reverse("media_pipeline_jobs"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "zh-CN-Misspelled" in html and reverse("media_pipeline_retry", args=[voice.pk]) in html

    profile.preferred_voice = "cmn"
    profile.save()
    response = client.post(reverse("media_pipeline_retry", args=[voice.pk]), {"next": reverse("media_pipeline_jobs")})
    assert response.status_code == 302 and response["Location"] == reverse("media_pipeline_jobs")
    voice.refresh_from_db()
    assert voice.status == RenderStatus.SUCCEEDED and voice.voice == "cmn" and voice.attempts == 2
    assert voice.error == "" and voice.attempt_log[0]["error_kind"] == "voice"  # the first failure is kept
    assert voice.outputs.filter(role="mp3").exists()


def test_cancel_from_the_admin_stops_a_queued_render(client, studio, people):
    article = published_article(studio, people)
    render = jobs.request_renders(article, [RenderKind.IMAGES])[0].render  # queued, not dispatched
    client.force_login(people["doctor_a"])
    page = client.get(reverse("media_pipeline_article", args=[article.pk])).content.decode()
    assert reverse("media_pipeline_cancel", args=[render.pk]) in page and 'value="0"' in page  # progress bar at 0
    client.post(reverse("media_pipeline_cancel", args=[render.pk]))
    render.refresh_from_db()
    assert render.status == RenderStatus.CANCELLED and not render.outputs.exists()
    assert jobs.run_render(render.pk) is None  # the task, if it still arrives, does nothing


def test_render_now_button_and_article_header_button(client, studio, people):
    article = published_article(studio, people)
    client.force_login(people["doctor_a"])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert reverse("media_pipeline_article", args=[article.pk]) in edit
    response = client.post(reverse("media_pipeline_article", args=[article.pk]), {"kinds": ["images"]})
    assert response.status_code == 302
    render = MediaRender.objects.get(article=article)
    assert (render.kind, render.status, render.trigger, render.requested_by) == (
        "images",
        RenderStatus.SUCCEEDED,
        "admin",
        people["doctor_a"],
    )
    page = client.get(reverse("media_pipeline_article", args=[article.pk])).content.decode()
    assert render.outputs.get(role="cover").file.url in page


def test_doctors_only_see_and_touch_renders_of_their_own_articles(client, studio, people):
    theirs = published_article(studio, people, owner="doctor_b", title="别人的文章")
    render = jobs.request_renders(theirs, [RenderKind.IMAGES])[0].render
    client.force_login(people["doctor_a"])
    assert "别人的文章" not in client.get(reverse("media_pipeline_jobs")).content.decode()
    # Wagtail answers a denied admin request with a redirect to the dashboard (or 403).
    assert client.post(reverse("media_pipeline_cancel", args=[render.pk])).status_code in (302, 403)
    denied = client.get(reverse("media_pipeline_article", args=[theirs.pk]))
    assert denied.status_code in (302, 403) and "别人的文章" not in denied.content.decode()
    render.refresh_from_db()
    assert render.status == RenderStatus.QUEUED
    client.force_login(people["editor"])
    assert "别人的文章" in client.get(reverse("media_pipeline_jobs")).content.decode()
    assert reverse("media_pipeline_jobs") in client.get(reverse("wagtailadmin_home")).content.decode()  # menu entry
