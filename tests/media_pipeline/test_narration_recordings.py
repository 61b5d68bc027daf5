"""The doctor's own voice: upload or record a paragraph, cleaning, revisions, permissions, out-of-date recordings,
and the voice render using the recording in place of TTS (same loudness, rate and pauses; cues by sentence)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.blocks import StreamValue
from wagtail.models import Revision
from wagtail.rich_text import RichText

from cms.articles.models import Article
from cms.core.documents import ArticleDocument, DocumentBlock
from media_pipeline.recordings import clean_recording
from media_pipeline.render.voice import RecordedNarration, render_voice
from media_pipeline.speech import build_speech_script
from media_pipeline.tts import EngineChain
from tests import builders
from tests.narration_audio import (
    LEAD_S,
    PAUSE_S,
    PHONE_FORMATS,
    SENTENCES,
    TAIL_S,
    export,
    ffprobe_audio,
    has_encoder,
    integrated_lufs,
    speech_memo,
)

pytestmark = [
    pytest.mark.skipif(
        not (shutil.which("espeak-ng") and shutil.which("ffprobe")), reason="needs espeak-ng and ffprobe"
    ),
]


@pytest.fixture(scope="module")
def memo(tmp_path_factory) -> Path:
    return speech_memo(tmp_path_factory.mktemp("memo"))


@pytest.fixture(autouse=True)
def media_settings(settings, tmp_path_factory, client, request, monkeypatch):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages below are matched in English
    if "people" in request.fixturenames:
        # The admin speaks each user's own language (Chinese by default); these doctors chose English.
        from wagtail.users.models import UserProfile

        for user in request.getfixturevalue("people").values():
            profile = UserProfile.get_for_user(user)
            profile.preferred_language = "en"
            profile.save()
    settings.KEPU_TTS_ENGINES = ["espeak"]
    settings.KEPU_TTS_CACHE_DIR = str(tmp_path_factory.getbasetemp() / "tts-cache")
    monkeypatch.setattr("media_pipeline.share_urls._resolver", None)  # no share links: the page URL


def draft_article(studio, owner) -> Article:
    article = builders.draft_article(
        studio["zh-hans"]["articles"],
        owner,
        "每天测血压",
        slug=f"bp-{Article.objects.count()}",
        summary="早晚各测一次。",
        body=[("paragraph", RichText(f"<p>{''.join(SENTENCES)}</p>")), ("paragraph", RichText("<p>少吃盐。</p>"))],
    )
    article.refresh_from_db()
    return article


def first_paragraph(article: Article) -> tuple[str, str]:
    """(block id, fingerprint) of the first body paragraph in the latest revision, as the recording page shows it."""
    from cms.articles.narration import narration_rows

    rows = narration_rows(latest(article).as_document())
    row = next(row for row in rows if row.label and row.key not in ("title", "summary"))
    return row.key, row.fingerprint


def upload(client, article, paragraph, fingerprint, path: Path, name: str | None = None):
    audio = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(
        reverse("media_pipeline_narration_save", args=[article.pk, paragraph]),
        {"audio": audio, "fingerprint": fingerprint},
    )


def latest(article: Article) -> Article:
    """The latest revision as a page (the article row is read again: views saved revisions meanwhile)."""
    return Article.objects.get(pk=article.pk).get_latest_revision_as_object()


def recordings_of_latest(article: Article) -> dict:
    return {r.paragraph: r for r in latest(article).narration_recordings.all()}


def messages_of(response) -> list[str]:
    """The message this request added (earlier ones stay queued: the tests do not follow redirects)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


@pytest.mark.django_db
@pytest.mark.parametrize("extension", list(PHONE_FORMATS))
def test_each_phone_format_is_cleaned_and_saved_in_a_new_revision(client, studio, people, memo, extension):
    encoder = PHONE_FORMATS[extension][PHONE_FORMATS[extension].index("-c:a") + 1]
    if not has_encoder(encoder):
        pytest.skip(f"this ffmpeg has no {encoder} encoder to make a .{extension} file with")
    article = draft_article(studio, people["doctor_a"])
    paragraph, fingerprint = first_paragraph(article)
    revisions = Revision.page_revisions.filter(object_id=str(article.pk)).count()
    client.force_login(people["doctor_a"])

    response = upload(client, article, paragraph, fingerprint, export(memo, extension))

    assert response.status_code == 302, messages_of(response)
    assert any("Recording saved" in m for m in messages_of(response)), messages_of(response)
    assert Revision.page_revisions.filter(object_id=str(article.pk)).count() == revisions + 1
    recording = recordings_of_latest(article)[paragraph]
    stored = Path(default_storage.path(recording.audio.name))
    probe = ffprobe_audio(stored)
    assert (probe["codec"], probe["sample_rate"], probe["channels"]) == ("flac", 24000, 1)
    # Leading and trailing silence trimmed (0.15 s kept each side); the pause between the sentences kept.
    original = ffprobe_audio(memo)["duration"]
    assert original - LEAD_S - TAIL_S - 1.0 < recording.duration <= original - LEAD_S - TAIL_S + 0.3
    assert abs(integrated_lufs(stored) - (-16.0)) <= 1.0
    assert recording.recorded_by == people["doctor_a"]
    # Nothing reaches patients before review: the article is still unpublished, the live rows untouched.
    article.refresh_from_db()
    assert not article.live and not article.narration_recordings.exists()
    listened = client.get(reverse("media_pipeline_narration_audio", args=[article.pk, paragraph]))
    assert listened.status_code == 200 and listened["Content-Type"] == "audio/flac"


@pytest.mark.django_db
def test_bad_files_get_a_clear_message_and_nothing_is_lost(client, studio, people, memo, tmp_path, settings):
    article = draft_article(studio, people["doctor_a"])
    paragraph, fingerprint = first_paragraph(article)
    client.force_login(people["doctor_a"])
    assert upload(client, article, paragraph, fingerprint, export(memo, "mp3")).status_code == 302
    good = recordings_of_latest(article)[paragraph].audio.name
    revisions = Revision.page_revisions.filter(object_id=str(article.pk)).count()

    text = tmp_path / "notes.m4a"
    text.write_text("复诊时带上血压记录本。", encoding="utf-8")
    silent = tmp_path / "silent.wav"
    from media_pipeline.render.ffmpeg import run_ffmpeg

    run_ffmpeg(["-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "4", str(silent)], timeout=30)
    whole = export(memo, "m4a").read_bytes()
    cut = tmp_path / "cut-short.m4a"
    cut.write_bytes(whole[: len(whole) // 3])  # a voice memo whose sending stopped: the index at the end is missing
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    long_memo = tmp_path / "long.ogg"
    run_ffmpeg(["-y", "-stream_loop", "3", "-i", str(memo), "-c:a", "libopus", str(long_memo)], timeout=60)

    cases = [
        (text, "not a sound recording"),
        (silent, "could not hear any speech"),
        (cut, "damaged or incomplete"),
        (empty, "empty"),
    ]
    for path, expected in cases:
        response = upload(client, article, paragraph, fingerprint, path)
        assert response.status_code == 302
        assert any(expected in m for m in messages_of(response)), (path.name, messages_of(response))
    settings.KEPU_RECORDING_MAX_SECONDS = 10
    response = upload(client, article, paragraph, fingerprint, long_memo)
    assert any("longer than" in m for m in messages_of(response)), messages_of(response)
    settings.KEPU_RECORDING_MAX_MB = 1
    response = upload(client, article, paragraph, fingerprint, memo)  # a 2.9 MB WAV
    assert any("the most we take is 1 MB" in m for m in messages_of(response)), messages_of(response)
    # A recording for text the doctor no longer sees (changed in another tab) is not filed against it.
    del settings.KEPU_RECORDING_MAX_MB, settings.KEPU_RECORDING_MAX_SECONDS
    response = upload(client, article, paragraph, "0" * 64, export(memo, "wav"))
    assert any("was changed since you opened this page" in m for m in messages_of(response)), messages_of(response)
    response = client.post(
        reverse("media_pipeline_narration_save", args=[article.pk, paragraph]), {"fingerprint": fingerprint}
    )
    assert any("choose a sound file" in m for m in messages_of(response))

    assert Revision.page_revisions.filter(object_id=str(article.pk)).count() == revisions
    assert recordings_of_latest(article)[paragraph].audio.name == good
    assert default_storage.exists(good)
    # The doctor's clips are staff-only files: patients hear the rendered voice version, not the takes.
    assert client.get(f"/media/{good}").status_code == 200
    client.logout()
    assert client.get(f"/media/{good}").status_code == 404


@pytest.mark.django_db
def test_a_doctor_records_only_on_their_own_articles(client, studio, people, memo):
    article = draft_article(studio, people["doctor_a"])
    paragraph, fingerprint = first_paragraph(article)
    for person in ("doctor_b", "outsider"):
        client.force_login(people[person])
        assert client.get(reverse("media_pipeline_narration", args=[article.pk])).status_code in (302, 403)
        assert upload(client, article, paragraph, fingerprint, memo).status_code in (302, 403)
        assert client.post(reverse("media_pipeline_narration_delete", args=[article.pk, paragraph])).status_code in (
            302,
            403,
        )
    assert recordings_of_latest(article) == {}
    client.force_login(people["doctor_a"])
    page = client.get(reverse("media_pipeline_narration", args=[article.pk])).content.decode()
    assert (
        "data-recorder" in page
        and "narration-recorder.js" in page
        and "<script>" not in page.split("narration-recorder.js")[0][-500:]
    )
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert reverse("media_pipeline_narration", args=[article.pk]) in edit  # the page menu's "Record in my own voice"


@pytest.mark.django_db
def test_an_edited_paragraph_shows_recording_out_of_date_and_falls_back_to_tts(client, studio, people, memo):
    article = draft_article(studio, people["doctor_a"])
    paragraph, fingerprint = first_paragraph(article)
    client.force_login(people["doctor_a"])
    upload(client, article, paragraph, fingerprint, export(memo, "wav"))
    assert set(latest(article).as_document().current_recordings()) == {paragraph}

    draft = latest(article)
    draft.body = StreamValue(
        draft.body.stream_block,
        [
            (child.block_type, RichText(child.value.source.replace("一百四十", "一百三十")), child.id)
            for child in draft.body
        ],
    )
    draft.save_revision(user=people["doctor_a"])

    document = latest(article).as_document()
    assert document.current_recordings() == {}  # the voice render reads this paragraph with TTS again
    assert [r.paragraph for r in document.recordings] == [paragraph]  # kept, so an undo brings it back
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert "data-recordings-out-of-date" in edit and f'data-paragraph="{paragraph}"' in edit
    narration = client.get(reverse("media_pipeline_narration", args=[article.pk])).content.decode()
    assert 'data-state="out_of_date"' in narration

    # Removing the recording is a new revision too.
    revisions = Revision.page_revisions.filter(object_id=str(article.pk)).count()
    client.post(reverse("media_pipeline_narration_delete", args=[article.pk, paragraph]))
    assert Revision.page_revisions.filter(object_id=str(article.pk)).count() == revisions + 1
    assert recordings_of_latest(article) == {}


def test_a_mixed_render_sounds_even_and_times_captions_by_the_doctors_pauses(memo, tmp_path):
    """Voice render level: TTS – recording – TTS, measured in the final MP3."""
    document = ArticleDocument(
        title="每天测血压",
        language="zh-hans",
        blocks=(
            DocumentBlock("paragraph", text="高血压常常没有症状，所以要定期测量。", block_id="p0"),
            DocumentBlock("paragraph", text="".join(SENTENCES), block_id="p1"),
            DocumentBlock("paragraph", text="复诊时请带上您的血压记录。", block_id="p2"),
        ),
    )
    script = build_speech_script(document)
    cleaned = clean_recording(export(memo, "m4a"), tmp_path / "clean.flac")
    result = render_voice(
        script,
        EngineChain.from_names(["espeak"]),
        None,
        None,
        tmp_path / "cache",
        tmp_path / "out",
        recordings={"p1": RecordedNarration(cleaned.path, cleaned.sha256)},
    )
    assert result.recorded == 1
    assert ffprobe_audio(result.mp3_path)["sample_rate"] == 24000
    timing = {p.paragraph_id: p for p in result.paragraphs}
    assert abs((timing["p1"].end - timing["p1"].start) - cleaned.duration_s) < 0.05
    loudness = {pid: integrated_lufs(result.mp3_path, t.start, t.end) for pid, t in timing.items()}
    for tts in ("title", "p0", "p2"):
        assert abs(loudness["p1"] - loudness[tts]) <= 1.0, loudness
    # The same pause before and after the recorded paragraph as between synthesised ones (within a frame).
    gaps = [b.start - a.end for a, b in zip(result.paragraphs, result.paragraphs[1:], strict=False)]
    assert max(gaps) - min(gaps) < 0.05, gaps
    # Two cues in the recorded paragraph; the second starts where the doctor starts the second sentence:
    # after the 0.9 s pause in the memo, not at its share of the characters.
    inside = [cue for cue in result.cues if timing["p1"].start - 0.01 <= cue.start < timing["p1"].end]
    assert [cue.text for cue in inside] == list(SENTENCES)
    first_sentence_end = inside[0].end - timing["p1"].start
    pause_end = inside[1].start - timing["p1"].start
    assert first_sentence_end == pytest.approx(pause_end)
    sentence_one = ffprobe_audio(memo.with_name("sentence-0.wav"))["duration"]
    assert abs(pause_end - (0.15 + sentence_one + PAUSE_S)) < 0.35, (pause_end, sentence_one)

    # Re-rendering reuses the recorded clip; a changed recording re-encodes only that paragraph.
    again = render_voice(
        script,
        EngineChain.from_names(["espeak"]),
        None,
        None,
        tmp_path / "cache",
        tmp_path / "out2",
        recordings={"p1": RecordedNarration(cleaned.path, cleaned.sha256)},
    )
    assert again.synthesized == 0
    louder = clean_recording(export(memo, "ogg"), tmp_path / "clean2.flac")
    third = render_voice(
        script,
        EngineChain.from_names(["espeak"]),
        None,
        None,
        tmp_path / "cache",
        tmp_path / "out3",
        recordings={"p1": RecordedNarration(louder.path, louder.sha256)},
    )
    assert third.synthesized == 1
