"""Voice render from cached MP3 segments: the stream-copied final MP3 is valid and its timings match the audio."""

import array
import json
import subprocess
from dataclasses import replace

import pytest

from cms.core.documents import ArticleDocument, DocumentBlock
from media_pipeline.render.ffmpeg import ffmpeg_exe
from media_pipeline.render.voice import VoiceRenderSettings, render_voice
from media_pipeline.speech import build_speech_script
from media_pipeline.tts import EngineChain

pytestmark = pytest.mark.slow

RATE = 24000
DOC = ArticleDocument(
    title="高血压的日常管理",
    language="zh-hans",
    blocks=(
        DocumentBlock("paragraph", text="血压持续高于140/90 mmHg即为高血压。约50%的患者没有症状。", block_id="p1"),
        DocumentBlock("paragraph", text="长期高血压会损害心脏。", block_id="p2"),
        DocumentBlock("warning", text="如果出现剧烈头痛，请立即拨打120。", block_id="w1"),
    ),
)


def ffprobe(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def decode(path) -> array.array:
    """The MP3 as a decoder plays it (ffmpeg honours the gapless header): 24 kHz mono s16 samples."""
    out = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return array.array("h", out.stdout)


def peak(samples: array.array, start_s: float, end_s: float) -> int:
    window = samples[max(0, round(start_s * RATE)) : round(end_s * RATE)]
    return max((abs(v) for v in window), default=0)


def first_loud_sample_s(samples: array.array, from_s: float, threshold: int) -> float:
    for index in range(round(from_s * RATE), len(samples)):
        if abs(samples[index]) > threshold:
            return index / RATE
    raise AssertionError(f"no sound after {from_s} s")


@pytest.mark.parametrize("pause_s", [0.6, 1.5, 0.0])
def test_stream_copied_mp3_is_valid_and_timings_match_the_audio(pause_s, tmp_path):
    script = build_speech_script(DOC)
    settings = VoiceRenderSettings(paragraph_pause_s=pause_s)
    result = render_voice(
        script, EngineChain.from_names(["espeak"]), None, settings, tmp_path / "cache", tmp_path / "out"
    )

    probe = ffprobe(result.mp3_path)
    stream = probe["streams"][0]
    assert (stream["codec_name"], int(stream["sample_rate"]), stream["channels"]) == ("mp3", RATE, 1)
    assert int(stream["bit_rate"]) == 64000
    speech = sum(t.end - t.start for t in result.paragraphs)
    pauses = pause_s * (len(result.paragraphs) - 1)
    assert float(probe["format"]["duration"]) == pytest.approx(speech + pauses, abs=0.5)

    samples = decode(result.mp3_path)
    # Gapless trimming leaves exactly the speech: the decoded length is the reported duration.
    assert len(samples) / RATE == pytest.approx(result.duration_s, abs=0.03)
    loud = max(abs(v) for v in samples) // 4
    timings = result.paragraphs
    for timing in timings:
        # Speech starts where the timing says (espeak leaves a few ms of lead-in), not in the pause before.
        onset = first_loud_sample_s(samples, max(0.0, timing.start - 0.1), loud)
        assert timing.start - 0.03 <= onset <= timing.start + 0.2, (timing, onset)
    for before, after in zip(timings, timings[1:], strict=False):
        gap = after.start - before.end
        if pause_s:
            assert gap == pytest.approx(pause_s, abs=0.05)
        else:  # only the encoder delay and padding separate the paragraphs
            assert 0 <= gap <= 0.1
        if gap > 0.1:  # the pause is silent
            assert peak(samples, before.end + 0.03, after.start - 0.03) < loud // 8
    assert timings[-1].end == pytest.approx(result.duration_s, abs=0.001)
    for cue in result.cues:  # every caption lies inside its paragraph's audio
        assert any(t.start - 1e-3 <= cue.start and cue.end <= t.end + 1e-3 for t in timings), cue


def test_cache_holds_mp3_segments_and_repairs_a_damaged_one(tmp_path):
    chain = EngineChain.from_names(["espeak"])
    script = build_speech_script(DOC)
    first = render_voice(script, chain, None, None, tmp_path / "cache", tmp_path / "v1")
    segments = sorted(p for p in (tmp_path / "cache").glob("??/*.mp3"))
    assert len(segments) == len(script.paragraphs)
    for segment in segments:
        meta = json.loads(segment.with_suffix(".json").read_text(encoding="utf-8"))
        assert meta["mp3_bytes"] == segment.stat().st_size
        assert meta["segment_samples"] > meta["speech_samples"] > 0
        assert ffprobe(segment)["streams"][0]["codec_name"] == "mp3"

    damaged = segments[0]
    damaged.write_bytes(damaged.read_bytes()[:-500])
    again = render_voice(script, chain, None, None, tmp_path / "cache", tmp_path / "v2")
    assert (again.synthesized, again.reused) == (1, len(script.paragraphs) - 1)
    assert again.duration_s == pytest.approx(first.duration_s, abs=0.001)
    assert [(c.start, c.end) for c in again.cues] == [(c.start, c.end) for c in first.cues]
    assert ffprobe(again.mp3_path)["streams"][0]["codec_name"] == "mp3"


def test_bitrate_is_part_of_the_clip_format(tmp_path):
    chain = EngineChain.from_names(["espeak"])
    script = build_speech_script(DOC)
    render_voice(script, chain, None, None, tmp_path / "cache", tmp_path / "v1")
    lower = render_voice(
        script, chain, None, VoiceRenderSettings(mp3_bitrate="32k"), tmp_path / "cache", tmp_path / "v2"
    )
    assert lower.synthesized == len(script.paragraphs)  # segments of another bitrate cannot be stream-copied together
    assert int(ffprobe(lower.mp3_path)["streams"][0]["bit_rate"]) == 32000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mp3_bitrate", "65k"),
        ("mp3_bitrate", "64000"),
        ("mp3_bitrate", "192k"),
        ("true_peak_db", 1.0),
        ("true_peak_db", -12.0),
    ],
)
def test_settings_the_segments_cannot_honour_are_rejected(field, value):
    with pytest.raises(ValueError, match=field):
        replace(VoiceRenderSettings(), **{field: value})
