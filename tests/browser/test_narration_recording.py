"""A doctor reads a paragraph into the browser's microphone, saves, submits; an editor approves; the published
voice version and video carry that recording, as loud as the synthesised paragraphs.

Chromium's fake capture device plays a speech-like WAV (espeak-ng, a voice other than the studio's TTS) into
``getUserMedia``, so MediaRecorder, the level meter and the upload path all run for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from wagtail.models import TaskState

from cms.articles.models import Article
from media_pipeline.models import OutputRole, RenderKind, RenderStatus
from media_pipeline.render.ffmpeg import run_ffmpeg
from media_pipeline.render.subtitles import parse_vtt
from tests.admin_language import admin_text
from tests.browser.admin_pages import DESKTOP, admin_message, log_in, open_admin, snap
from tests.browser.chromium import launched_chromium
from tests.browser.waiting import wait_for_js
from tests.builders import AdminStudio, build_admin_studio, draft_article, stream
from tests.deadlines import slowness
from tests.narration_audio import ffprobe_audio, integrated_lufs

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SPOKEN = "请按时吃药。"
SYNTHESISED = "每天少吃一点盐。"


def speech_wav(folder: Path) -> Path:
    """What the doctor says into the fake microphone: the paragraph, with a breath of silence around it."""
    import subprocess

    spoken = folder / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "130", "-p", "30", "-w", str(spoken), SPOKEN], check=True)
    wav = folder / "microphone.wav"
    run_ffmpeg(
        [
            "-y",
            "-i",
            str(spoken),
            "-af",
            "adelay=400,apad=pad_dur=3,volume=-10dB",
            "-ar",
            "48000",
            "-ac",
            "1",
            "-c:a",
            "pcm_s16le",
            str(wav),
        ],
        timeout=60,
    )
    return wav


@pytest.fixture
def studio(transactional_db, settings, tmp_path, monkeypatch) -> AdminStudio:
    settings.KEPU_TTS_ENGINES = ["espeak"]
    settings.KEPU_TTS_CACHE_DIR = str(tmp_path / "tts-cache")
    monkeypatch.setattr("media_pipeline.share_urls._resolver", None)  # no share links: the page URL
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = True  # the approval renders, in-process (eager Celery)
    return build_admin_studio()


@pytest.fixture
def browser(studio, tmp_path):
    """Chromium with a fake microphone that speaks the recorded paragraph."""
    fake_microphone = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_wav(tmp_path)}",
    ]
    with launched_chromium(*fake_microphone) as browser:
        yield browser


def draft(studio: AdminStudio) -> Article:
    body = stream(("paragraph", f"<p>{SPOKEN}</p>"), ("paragraph", f"<p>{SYNTHESISED}</p>"))
    article = draft_article(
        studio.tree["zh-hans"]["articles"], studio.doctor, "按时吃药", slug="take-on-time", summary="", body=body
    )
    return Article.objects.get(pk=article.pk)


def test_a_recorded_paragraph_reaches_the_published_voice_and_video(browser, live_server, studio, screenshots):
    article = draft(studio)
    spoken_block = article.body[0].id

    # 1. The doctor opens "Record in my own voice" from the article's menu and records the first paragraph.
    doctor = log_in(browser, live_server, studio.doctor)
    open_admin(doctor, live_server, f"/admin/pages/{article.pk}/edit/")
    doctor.locator("header").get_by_role("button", name=admin_text("Actions"), exact=True).click()
    doctor.get_by_role("link", name=admin_text("Record in my own voice")).click()
    doctor.wait_for_url(f"**/admin/narration/{article.pk}/")
    row = doctor.locator(f"[data-narration-row][data-paragraph='{spoken_block}']")
    assert row.get_attribute("data-state") == "not_recorded"
    row.get_by_role("button", name=admin_text("Record"), exact=True).click()
    meter = row.locator("[data-level]").element_handle()
    wait_for_js(doctor, "meter => meter.value > 0.3", meter)  # the level meter follows the voice
    snap(doctor, screenshots / "admin-narration-recording.png")
    doctor.wait_for_timeout(3000)  # the doctor reads the paragraph
    row.get_by_role("button", name=admin_text("Stop")).click()
    form = row.locator("form[data-recorder]").element_handle()
    wait_for_js(doctor, "form => form.dataset.recorded === 'true'", form)
    preview = row.locator("[data-preview]")
    assert preview.is_visible()  # playback before saving
    wait_for_js(doctor, "audio => audio.readyState >= 1", preview.element_handle())
    assert row.locator("[data-audio-input]").evaluate("input => input.files[0].type").startswith("audio/")
    # Re-record: a second take replaces the first in the form.
    row.get_by_role("button", name=admin_text("Record again"), exact=True).click()
    wait_for_js(doctor, "form => form.dataset.recorded === ''", form)
    doctor.wait_for_timeout(3000)
    row.get_by_role("button", name=admin_text("Stop")).click()
    wait_for_js(doctor, "form => form.dataset.recorded === 'true'", form)
    with doctor.expect_navigation():
        row.get_by_role("button", name=admin_text("Save recording")).click()
    assert article.title in doctor.locator("main").inner_text() and admin_message(doctor).strip()
    row = doctor.locator(f"[data-narration-row][data-paragraph='{spoken_block}']")
    assert row.get_attribute("data-state") == "recorded"
    wait_for_js(
        doctor, "audio => { audio.load(); return true; }", row.locator("[data-saved-recording]").element_handle()
    )
    snap(doctor, screenshots / "admin-narration-recorded.png")
    article = Article.objects.get(pk=article.pk)
    recording = {r.paragraph: r for r in article.get_latest_revision_as_object().narration_recordings.all()}[
        spoken_block
    ]
    assert not article.live

    # 2. ... and submits the article for review.
    open_admin(doctor, live_server, f"/admin/pages/{article.pk}/edit/")
    doctor.locator("footer .w-dropdown__toggle").click()
    with doctor.expect_navigation():
        doctor.locator("footer button[name=action-submit]").click()
    task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
    assert task_state is not None and task_state.status == TaskState.STATUS_IN_PROGRESS

    # 3. The editor approves it; publishing renders the voice version and both videos.
    editor = log_in(browser, live_server, studio.editor)
    open_admin(editor, live_server, f"/admin/pages/{article.pk}/edit/")
    editor.locator("footer .w-dropdown__toggle").click()
    approve = editor.locator("footer button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    with editor.expect_navigation(timeout=240_000 * slowness()):
        approve.first.click()
    article = Article.objects.get(pk=article.pk)
    assert article.live
    published = article.live_revision.as_object()
    assert [r.paragraph for r in published.narration_recordings.all()] == [spoken_block]

    renders = {r.kind: r for r in article.media_renders.filter(revision_id=article.live_revision_id)}
    for kind in (RenderKind.VOICE, RenderKind.VIDEO_PORTRAIT, RenderKind.VIDEO_LANDSCAPE):
        assert renders[kind].status == RenderStatus.SUCCEEDED, (kind, renders[kind].error)
    voice = {o.role: o for o in renders[RenderKind.VOICE].outputs.all()}
    mp3 = Path(default_storage.path(voice[OutputRole.MP3].file.name))
    cues = parse_vtt(default_storage.open(voice[OutputRole.VTT].file.name).read().decode("utf-8"))
    recorded_cue = next(cue for cue in cues if cue.text.replace("\n", "") == SPOKEN)
    title_cue = next(cue for cue in cues if "按时吃药" in cue.text and cue is not recorded_cue)
    tts_cue = next(cue for cue in cues if cue.text.replace("\n", "") == SYNTHESISED)
    # The recorded paragraph lasts exactly as long as the doctor's cleaned clip, and sounds as loud as the TTS.
    assert recorded_cue.end - recorded_cue.start == pytest.approx(recording.duration, abs=0.06)
    recorded_lufs = integrated_lufs(mp3, recorded_cue.start, recorded_cue.end)
    for cue in (title_cue, tts_cue):
        assert abs(recorded_lufs - integrated_lufs(mp3, cue.start, cue.end)) <= 1.0
    probe = ffprobe_audio(mp3)
    assert probe["sample_rate"] == 24000 and probe["duration"] >= recorded_cue.end

    # Both videos carry the same narration: the recorded stretch is there, as loud against the TTS.
    for kind in (RenderKind.VIDEO_PORTRAIT, RenderKind.VIDEO_LANDSCAPE):
        mp4 = Path(default_storage.path({o.role: o for o in renders[kind].outputs.all()}[OutputRole.MP4].file.name))
        assert ffprobe_audio(mp4)["duration"] >= tts_cue.end
        in_video = integrated_lufs(mp4, recorded_cue.start, recorded_cue.end)
        assert abs(in_video - recorded_lufs) <= 1.0
        assert abs(in_video - integrated_lufs(mp4, tts_cue.start, tts_cue.end)) <= 1.0
    reader = browser.new_context(**DESKTOP).new_page()
    assert reader.goto(live_server.url + article.url).status == 200
