"""``manage.py render_article``: renders the approved revision in-process, reuses finished work, explains refusals."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from PIL import Image
from wagtail.rich_text import RichText

from cms.articles.models import Article
from media_pipeline.models import MediaRender, RenderStatus
from tests.builders import draft_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("espeak-ng") and shutil.which("ffprobe")), reason="needs espeak-ng and ffprobe"
    ),
]


@pytest.fixture(autouse=True)
def media_settings(settings, tmp_path_factory, monkeypatch):
    settings.KEPU_TTS_ENGINES = ["espeak"]
    settings.KEPU_TTS_CACHE_DIR = str(tmp_path_factory.getbasetemp() / "tts-cache")
    monkeypatch.setattr("media_pipeline.share_urls._resolver", None)  # no share links: the page URL


def published_article(studio, people, *, language="en", text="Check your blood pressure every day."):
    article = draft_article(
        studio[language]["articles"],
        people["doctor_b"],
        "Blood pressure",
        slug="blood-pressure",
        body=[("paragraph", RichText(f"<p>{text}</p>"))],
    )
    article.latest_revision.publish(user=people["editor"])
    article.refresh_from_db()
    return article


def run(*args) -> tuple[str, str]:
    """The command's output in English (operators get it in the active language, Chinese by default)."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("render_article", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_render_article_renders_voice_then_video_and_reuses_them(studio, people):
    article = published_article(studio, people)
    out, err = run(article.pk, "--voice", "--images")
    assert "voice: succeeded" in out and "images: succeeded" in out and "mp3" in out
    assert "100%" in err  # the tqdm progress bar

    voice = MediaRender.objects.get(article=article, kind="voice")
    assert voice.revision_id == article.live_revision_id and voice.voice == "en-us"
    mp3 = voice.outputs.get(role="mp3")
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", mp3.file.path],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    assert probe["streams"][0]["codec_name"] == "mp3"
    with Image.open(
        MediaRender.objects.get(article=article, kind="images").outputs.get(role="cover").file.path
    ) as cover:
        assert cover.size == (1200, 630)

    out, _ = run(article.pk, "--video", "--no-progress")  # the narration is reused, not voiced again
    assert f"reusing render #{voice.pk}" not in out  # --video alone lists only what it renders
    portrait = MediaRender.objects.get(article=article, kind="video_portrait")
    assert portrait.status == RenderStatus.SUCCEEDED and portrait.narration == voice
    assert MediaRender.objects.filter(article=article, kind="voice").count() == 1
    mp4 = portrait.outputs.get(role="mp4")
    assert (mp4.width, mp4.height, mp4.mime_type) == (1080, 1920, "video/mp4")

    out, _ = run(article.pk, "--images", "--no-progress")
    assert "reusing render" in out and MediaRender.objects.filter(article=article, kind="images").count() == 1
    run(article.pk, "--images", "--force", "--no-progress")
    assert MediaRender.objects.filter(article=article, kind="images", status="succeeded").count() == 2


def test_render_article_refuses_unpublished_and_unknown_articles(studio, people):
    draft = Article(title="Draft", slug="draft", owner=people["doctor_b"], live=False, body=[])
    studio["en"]["articles"].add_child(instance=draft)
    with pytest.raises(CommandError, match="not published"):
        run(draft.pk)
    with pytest.raises(CommandError, match="no article with id"):
        run(987654)
    assert not MediaRender.objects.exists()


def test_render_article_reports_a_failed_voice_and_fails_the_waiting_videos(studio, people):
    article = published_article(studio, people)
    article.narration_voice = "en-US-Nobody"
    article.save_revision(user=people["doctor_b"]).publish(user=people["editor"])
    article.refresh_from_db()
    with pytest.raises(CommandError, match="did not succeed"):
        run(article.pk, "--video", "--no-progress")
    voice = MediaRender.objects.get(article=article, kind="voice")
    assert voice.status == RenderStatus.FAILED and "en-US-Nobody" in voice.error
    videos = MediaRender.objects.filter(article=article, kind__startswith="video")
    assert {v.status for v in videos} == {RenderStatus.FAILED} and all(f"#{voice.pk}" in v.error for v in videos)


@pytest.mark.slow
def test_render_article_renders_what_was_queued_but_never_started(studio, people):
    """load_demo and publishing queue renders; with no worker running, the command renders them here."""
    from media_pipeline import jobs

    article = published_article(studio, people)
    queued = [request.render for request in jobs.request_renders(article, ["voice", "images"], trigger="publish")]
    # as if sent to a broker no worker reads (tests run Celery tasks eagerly, so the send is simulated)
    MediaRender.objects.filter(pk__in=[r.pk for r in queued]).update(celery_task_id="sent-to-nobody")
    out, _ = run(article.pk, "--voice", "--images", "--no-progress")
    assert "reusing" not in out
    for render in queued:
        render.refresh_from_db()
        assert render.status == RenderStatus.SUCCEEDED, (render.kind, render.error)
        assert f"render #{render.pk} ({render.kind}) was queued and no worker has started it" in out
    assert MediaRender.objects.filter(article=article).count() == 2
    # --force with nothing active renders anew; a finished render is reused without it
    out, _ = run(article.pk, "--voice", "--no-progress")
    assert f"reusing render #{queued[0].pk} (voice, succeeded)" in out


def test_render_article_says_what_it_waits_for_when_a_worker_is_rendering(studio, people):
    from media_pipeline import jobs

    article = published_article(studio, people)
    voice = jobs.request_renders(article, ["voice"], trigger="publish")[0].render
    MediaRender.objects.filter(pk=voice.pk).update(
        status=RenderStatus.RUNNING, progress=40, stage="synthesising", celery_task_id="worker-task"
    )
    out, _ = run(article.pk, "--voice", "--force", "--no-progress")
    assert f"render #{voice.pk} (voice) is running on a worker" in out and "40%, synthesising" in out
    out, _ = run(article.pk, "--video", "--no-progress")
    assert f"waits for narration #{voice.pk}, which a worker is rendering" in out
    voice.refresh_from_db()
    assert voice.status == RenderStatus.RUNNING and voice.celery_task_id == "worker-task"  # not taken over
