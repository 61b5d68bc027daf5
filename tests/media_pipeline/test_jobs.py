"""Render jobs end to end: publish → real MP3/MP4/PNG files in storage, tied to the approved revision.

Celery runs eagerly in tests, so the publish signal renders in-process once
the publish transaction commits (``django_capture_on_commit_callbacks``).
Articles are two sentences long so a full render takes a few seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from PIL import Image
from wagtail.rich_text import RichText

from cms.articles.models import Article
from media_pipeline import jobs
from media_pipeline.models import FailureKind, MediaOutput, MediaRender, OutputRole, RenderKind, RenderStatus
from media_pipeline.outputs import published_media
from media_pipeline.render.subtitles import parse_vtt
from media_pipeline.render.video import END_HOLD_S
from tests.builders import draft_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("espeak-ng") and shutil.which("ffprobe")), reason="needs espeak-ng and ffprobe"
    ),
]


@pytest.fixture(autouse=True)
def media_settings(settings, tmp_path_factory, monkeypatch):
    """Clips cached per test session (re-voicing the same text is instant); the page URL as share link."""
    settings.KEPU_TTS_ENGINES = ["espeak"]
    settings.KEPU_TTS_CACHE_DIR = str(tmp_path_factory.getbasetemp() / "tts-cache")
    monkeypatch.setattr("media_pipeline.share_urls._resolver", None)  # no share links: the page URL
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = True
    return settings


def make_article(studio, owner, title="控制血压", *, text="每天测量血压。少吃盐。", language="zh-hans", **fields):
    article = draft_article(
        studio[language]["articles"],
        owner,
        title,
        slug=f"a-{Article.objects.count() + 1}",
        summary="",
        body=[("paragraph", RichText(f"<p>{text}</p>"))],
        **fields,
    )
    article.refresh_from_db()
    return article


def publish(article, user, capture):
    """Approve (publish) the latest revision; run what happens after the commit."""
    with capture(execute=True):
        article.get_latest_revision().publish(user=user)
    article.refresh_from_db()
    return article


def ffprobe(path_or_name) -> dict:
    path = default_storage.path(path_or_name)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(out.stdout)


def outputs_of(render) -> dict[str, MediaOutput]:
    return {output.role: output for output in render.outputs.all()}


@pytest.mark.slow
def test_publishing_renders_voice_videos_and_images_of_the_live_revision(
    studio, people, django_capture_on_commit_callbacks
):
    article = make_article(studio, people["doctor_a"])
    publish(article, people["editor"], django_capture_on_commit_callbacks)
    # A later draft is never rendered: only the approved revision is.
    article.title = "草稿标题"
    draft = article.save_revision(user=people["doctor_a"])

    renders = {render.kind: render for render in MediaRender.objects.filter(article=article)}
    assert set(renders) == {"voice", "video_portrait", "video_landscape", "images"}
    for render in renders.values():
        assert render.status == RenderStatus.SUCCEEDED, (render.kind, render.error)
        assert render.revision_id == article.live_revision_id != draft.pk
        assert render.progress == 100 and render.attempts == 1 and render.trigger == "publish"
    assert renders["voice"].engine == "espeak" and renders["voice"].voice == "cmn-latn-pinyin"
    assert renders["video_portrait"].narration == renders["voice"]

    voice = outputs_of(renders["voice"])
    mp3 = ffprobe(voice["mp3"].file.name)
    assert mp3["streams"][0]["codec_name"] == "mp3"
    assert float(mp3["format"]["duration"]) == pytest.approx(voice["mp3"].duration, abs=0.3)
    assert voice["mp3"].size == default_storage.size(voice["mp3"].file.name) > 1000
    cues = parse_vtt(voice["vtt"].file.open("rb").read().decode("utf-8"))
    assert cues[0].text.startswith("控制血压") and len(cues) >= 3

    for kind, size in (("video_portrait", (1080, 1920)), ("video_landscape", (1920, 1080))):
        files = outputs_of(renders[kind])
        probe = ffprobe(files["mp4"].file.name)
        video = next(s for s in probe["streams"] if s["codec_type"] == "video")
        audio = next(s for s in probe["streams"] if s["codec_type"] == "audio")
        assert (video["codec_name"], video["width"], video["height"]) == ("h264", *size)
        assert audio["codec_name"] == "aac"
        # the narration, then the end card held in quiet
        assert float(probe["format"]["duration"]) == pytest.approx(voice["mp3"].duration + END_HOLD_S, abs=0.5)
        with Image.open(files["poster"].file.path) as poster:
            assert poster.size == size
        # the page's clean file and the download with captions burned in, same length and size
        captioned = ffprobe(files["mp4_captioned"].file.name)
        assert float(captioned["format"]["duration"]) == pytest.approx(float(probe["format"]["duration"]), abs=0.05)
        assert next(s for s in captioned["streams"] if s["codec_type"] == "video")["width"] == size[0]

    images = outputs_of(renders["images"])
    with Image.open(images["cover"].file.path) as cover, Image.open(images["poster_image"].file.path) as poster:
        assert (cover.size, poster.size) == ((1200, 630), (1080, 1920))
    assert images["cover"].file.name.startswith(f"media-renders/{article.pk}/{article.live_revision_id}/images/")

    media = published_media(article)
    assert [(m.kind, m.role) for m in media][:3] == [
        ("voice", "mp3"),
        ("video_portrait", "mp4"),
        ("video_landscape", "mp4"),
    ]
    mp3_item = media[0]
    assert mp3_item.mime_type == "audio/mpeg" and mp3_item.length == voice["mp3"].size
    assert mp3_item.url.startswith("http") and mp3_item.url.endswith(".mp3")
    assert {"cover", "poster_image", "vtt", "poster"} <= {m.role for m in media}


def test_a_second_trigger_for_the_same_revision_reuses_the_render(studio, people, django_capture_on_commit_callbacks):
    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])  # commit hooks not run: nothing rendered yet
    article.refresh_from_db()
    first = jobs.request_renders(article, [RenderKind.IMAGES], trigger="admin")
    again = jobs.request_renders(article, [RenderKind.IMAGES], trigger="admin")
    assert first[0].created and not again[0].created and again[0].render == first[0].render  # queued one reused
    jobs.dispatch_renders([first[0].render])
    jobs.dispatch_renders([again[0].render])  # a second dispatch of the same job does nothing
    render = MediaRender.objects.get(pk=first[0].render.pk)
    assert render.status == RenderStatus.SUCCEEDED and render.attempts == 1
    done = jobs.request_renders(article, [RenderKind.IMAGES])
    assert not done[0].created and done[0].render == render  # succeeded: reused, not re-rendered
    forced = jobs.request_renders(article, [RenderKind.IMAGES], force=True)
    assert forced[0].created and forced[0].render != render
    assert MediaRender.objects.filter(article=article, kind="images").count() == 2


def test_the_database_refuses_two_active_renders_of_one_revision_and_kind(studio, people):
    from django.db import IntegrityError, transaction

    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])
    article.refresh_from_db()
    MediaRender.objects.create(article=article, revision=article.live_revision, kind="images")
    with pytest.raises(IntegrityError), transaction.atomic():
        MediaRender.objects.create(article=article, revision=article.live_revision, kind="images", status="running")


def test_drafts_are_never_rendered(studio, people, django_capture_on_commit_callbacks):
    article = make_article(studio, people["doctor_a"])
    with pytest.raises(jobs.NotPublishedError):
        jobs.request_renders(article)
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision(user=people["doctor_a"])
    assert not MediaRender.objects.exists()


def test_an_unknown_voice_fails_with_the_reason_and_retry_renders_after_the_fix(
    studio, people, django_capture_on_commit_callbacks
):
    article = make_article(studio, people["doctor_a"], narration_voice="zh-CN-NoSuchVoice")
    with django_capture_on_commit_callbacks(execute=True):
        article.get_latest_revision().publish(user=people["editor"])
        article.refresh_from_db()
        requests = jobs.request_renders(article, [RenderKind.VOICE, RenderKind.VIDEO_PORTRAIT])
        jobs.dispatch_renders([r.render for r in requests])
    voice = MediaRender.objects.get(pk=requests[0].render.pk)
    video = MediaRender.objects.get(pk=requests[1].render.pk)
    assert voice.status == RenderStatus.FAILED and voice.error_kind == FailureKind.VOICE
    assert "zh-CN-NoSuchVoice" in voice.error and "cmn-latn-pinyin" in voice.error  # says what exists
    assert video.status == RenderStatus.FAILED and video.error_kind == FailureKind.DEPENDENCY
    assert f"#{voice.pk}" in video.error and not video.outputs.exists()

    # The doctor's preferred voice applies when the article names none; it is a real espeak voice.
    people["doctor_a"].doctor_profile.preferred_voice = "cmn"
    people["doctor_a"].doctor_profile.save()
    article.narration_voice = ""
    article.save_revision(user=people["doctor_a"]).publish(user=people["editor"])  # new revision, commit hooks off
    # Retrying the old job still renders the revision it belongs to: the same failure, recorded again.
    retried = jobs.retry_render(voice)
    assert retried.status == RenderStatus.FAILED and retried.attempts == 2
    assert [entry["error_kind"] for entry in retried.attempt_log] == ["voice", "voice"]

    article.refresh_from_db()
    fresh = jobs.request_renders(article, [RenderKind.VOICE])[0].render
    jobs.dispatch_renders([fresh])
    fresh.refresh_from_db()
    assert fresh.status == RenderStatus.SUCCEEDED and fresh.voice == "cmn"


def test_undecodable_illustration_is_a_warning_and_the_images_still_render(studio, people, tmp_path):
    from wagtail.images.tests.utils import get_test_image_file

    from cms.illustrations.models import Illustration

    picture = Illustration.objects.create(title="血压计", file=get_test_image_file(), alt_text="血压计")
    with open(picture.file.path, "wb") as broken:  # the file on disk got corrupted after upload
        broken.write(b"this is not an image")
    article = make_article(studio, people["doctor_a"])
    article.body = [
        ("image", {"image": picture, "caption": "家用血压计"}),
        ("paragraph", RichText("<p>每天测量。</p>")),
    ]
    article.save_revision(user=people["doctor_a"]).publish(user=people["editor"])
    article.refresh_from_db()
    render = jobs.request_renders(article, [RenderKind.IMAGES])[0].render
    jobs.dispatch_renders([render])
    render.refresh_from_db()
    assert render.status == RenderStatus.SUCCEEDED, render.error
    assert any("illustration" in warning for warning in render.warnings)
    with Image.open(outputs_of(render)[OutputRole.COVER].file.path) as cover:
        assert cover.size == (1200, 630)


def test_cancelling_a_queued_render_stops_it_and_its_waiting_videos(studio, people):
    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])
    article.refresh_from_db()
    requests = jobs.request_renders(article, [RenderKind.VIDEO_LANDSCAPE])  # also queues the narration
    voice, video = (r.render for r in requests)
    assert (voice.kind, video.kind, video.narration) == ("voice", "video_landscape", voice)
    jobs.cancel_render(voice)
    voice.refresh_from_db()
    video.refresh_from_db()
    assert voice.status == video.status == RenderStatus.CANCELLED
    assert jobs.run_render(voice.pk) is None  # a task delivered after the cancel does nothing
    assert not MediaOutput.objects.exists()


def test_a_newer_publish_supersedes_queued_renders_of_the_older_revision(studio, people):
    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])
    article.refresh_from_db()
    old = jobs.request_renders(article, [RenderKind.IMAGES])[0].render
    article.title = "新标题"
    article.save_revision(user=people["doctor_a"]).publish(user=people["editor"])
    article.refresh_from_db()
    assert jobs.supersede_older_renders(article, article.live_revision_id) == 1
    old.refresh_from_db()
    assert old.status == RenderStatus.CANCELLED and "superseded" in old.error
    assert published_media(article) == []


def test_cancelling_a_running_render_stops_it_at_the_next_stage(studio, people):
    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])
    article.refresh_from_db()
    render = jobs.request_renders(article, [RenderKind.IMAGES])[0].render
    stages = []

    def cancel_while_running(running, percent, stage):
        stages.append(stage)
        if len(stages) == 1:
            assert jobs.cancel_render(running).cancel_requested  # running: asked to stop, not killed

    finished = jobs.run_render(render.pk, listener=cancel_while_running)
    assert finished.status == RenderStatus.CANCELLED and len(stages) == 1
    with translation.override(settings.LANGUAGE_CODE):  # the worker writes the reason in the studio's language
        cancelled = translation.gettext("cancelled on request during: %(stage)s").split("%(stage)s")[0]
    assert finished.error.startswith(cancelled) and not finished.outputs.exists()
    assert jobs.retry_render(finished).status == RenderStatus.SUCCEEDED  # and it can be run again


def test_a_render_whose_worker_died_is_resumed_by_its_own_redelivered_task_or_failed_as_stale(studio, people):
    from datetime import timedelta

    from django.utils import timezone

    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])
    article.refresh_from_db()
    render = jobs.request_renders(article, [RenderKind.IMAGES])[0].render
    MediaRender.objects.filter(pk=render.pk).update(
        status="running", celery_task_id="task-1", started_at=timezone.now() - timedelta(hours=3)
    )
    assert jobs.run_render(render.pk, task_id="someone-else") is None  # never run twice
    assert jobs.fail_stale_renders(stale_after_s=3600) == 1
    render.refresh_from_db()
    assert render.status == RenderStatus.FAILED and render.error_kind == FailureKind.WORKER

    again = jobs.request_renders(article, [RenderKind.IMAGES])[0].render  # a failed render does not block
    MediaRender.objects.filter(pk=again.pk).update(status="running", celery_task_id="task-2")
    resumed = jobs.run_render(again.pk, task_id="task-2")  # acks_late redelivery after a worker crash
    assert resumed.status == RenderStatus.SUCCEEDED and resumed.attempts == 1


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the socket is closed


def test_an_engine_that_is_down_falls_back_or_fails_with_the_reason(studio, people, settings):
    settings.KEPU_TTS_ENGINE_OPTIONS = {
        "edge": {"endpoint": f"ws://127.0.0.1:{_closed_port()}/tts", "connect_timeout": 2}
    }
    article = make_article(studio, people["doctor_a"])
    article.get_latest_revision().publish(user=people["editor"])
    article.refresh_from_db()

    settings.KEPU_TTS_ENGINES = ["edge"]
    down = jobs.request_renders(article, [RenderKind.VOICE])[0].render
    jobs.dispatch_renders([down])
    down.refresh_from_db()
    assert down.status == RenderStatus.FAILED and down.error_kind == FailureKind.ENGINE
    assert "edge" in down.error

    settings.KEPU_TTS_ENGINES = ["edge", "espeak"]  # the production chain: espeak takes over
    retried = jobs.retry_render(down)
    assert retried.status == RenderStatus.SUCCEEDED and retried.engine == "espeak"
    assert any("edge" in warning for warning in retried.warnings)


def test_renders_started_by_an_approval_are_attributed_to_the_approver(
    client, studio, people, settings, django_capture_on_commit_callbacks
):
    from media_pipeline.signal_handlers import publisher_of

    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False  # the attribution, not the rendering, is under test
    article = make_article(studio, people["doctor_a"])
    revision = article.get_latest_revision()
    assert revision.user == people["doctor_a"]
    publish(article, people["editor"], django_capture_on_commit_callbacks)
    assert publisher_of(article.pk, revision.pk) == people["editor"]

    with django_capture_on_commit_callbacks(execute=False):
        jobs.request_renders(
            article, [RenderKind.IMAGES], requested_by=publisher_of(article.pk, revision.pk), trigger="publish"
        )
    client.force_login(people["editor"])
    page = client.get(reverse("media_pipeline_jobs")).content.decode()
    by = page.split('class="help-text media-render__by">')[1].split("</span>")[0]
    assert "editor1" in by and "dr.a" not in by and "张医生" not in by
    assert 'class="media-renders-scroll"' in page
