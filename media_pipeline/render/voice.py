"""Voice render: speech script -> loudness-normalised MP3 + sentence captions (VTT, SRT).

Rendering is incremental. Every paragraph is synthesised into its own clip,
brought to the loudness target and encoded as a CBR MP3 segment (24 kHz mono,
the render's bitrate), then cached under ``cache_dir`` by the sha256 of
everything that changes its audio (speech text, engine, voice, synthesis
settings, loudness target, MP3 format). The final MP3 is the cached segments
and pre-encoded silences joined by ffmpeg's concat demuxer as a stream copy:
nothing is decoded or re-encoded, so re-rendering after an edit costs little
more than voicing the changed paragraphs. Normalising per clip also evens out
loudness between paragraphs.

Loudness: ``ebur128`` measures each clip while ffmpeg resamples it, then one
linear gain brings it to the target and a look-ahead limiter keeps peaks under
the ceiling. That is a fraction of the cost of ``loudnorm``, whose 192 kHz
internal resampling dominated a re-render.

Timing: each MP3 segment holds the encoder delay, the speech, and padding up
to a whole frame. The joined file's LAME header tells decoders to skip the
first segment's delay; every segment has the same delay, so a clip's speech
starts exactly where its segment starts in the decoded timeline. Segment
lengths are counted from the MPEG frames (exact), speech lengths come from the
PCM before encoding, and captions and paragraph timings are built from those.

One engine voices the whole render: when an engine fails on any paragraph,
the next engine of the chain re-voices all paragraphs, so a video never
switches voice halfway. The engine actually used is recorded.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import re
import tempfile
import wave
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from media_pipeline.render.ffmpeg import FFmpegError, run_ffmpeg, run_ffmpeg_for_log
from media_pipeline.render.subtitles import DEFAULT_MAX_LINE_CHARS, Cue, write_srt, write_vtt
from media_pipeline.speech import SpeechParagraph, SpeechScript
from media_pipeline.speech.readings import PronunciationLexicon
from media_pipeline.tts import (
    Boundary,
    EngineChain,
    EngineUnavailableError,
    FallbackAttempt,
    NoEngineAvailableError,
    SpeechEngine,
    SynthesisError,
    SynthesisSettings,
    VoiceChoice,
)

__all__ = [
    "VoiceRenderSettings",
    "VoiceResult",
    "ParagraphTiming",
    "EmptyScriptError",
    "RecordedNarration",
    "render_voice",
    "Cue",
    "VOICE_SAMPLE_RATE",
    "measure_loudness",
    "loudness_filter",
]

logger = logging.getLogger(__name__)

# Bump when the clip processing changes so stale cached clips are not reused.
# 2: clips are loudness-matched CBR MP3 segments (ebur128 + gain + limiter) instead of loudnorm'ed WAVs.
_CLIP_FORMAT_VERSION = 2
_SAMPLE_RATE = 24000
VOICE_SAMPLE_RATE = _SAMPLE_RATE  # what recordings are cleaned to, so recorded and synthesised clips match
_SAMPLE_WIDTH = 2  # s16le mono
# At 24 kHz the MP3 is MPEG-2 Layer III: 576 samples per frame and these bitrates (kbit/s).
_MP3_FRAME_SAMPLES = 576
_MP3_BITRATES_KBPS = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
# libmp3lame's encoder delay (576 + 529 decoder delay); used only to size silences to whole frames.
_LAME_DELAY_SAMPLES = 1105
_MIN_SILENCE_FRAMES = 3  # fewer cannot hold the encoder delay
_MAX_GAIN_DB = 20.0  # a near-silent clip is not pumped up into noise
_UNMEASURABLE_LUFS = -70.0  # ebur128's floor: nothing above the absolute gate (silence, or under 0.4 s)
# A pause between a doctor's sentences: quieter than -35 dBFS (the clip is at -16 LUFS) for 0.18 s or more.
_SENTENCE_PAUSE_FILTER = "silencedetect=noise=-35dB:duration=0.18"
_SILENCE_START_RE = re.compile(r"silence_start:\s*(-?\d+(?:\.\d+)?)")
_SILENCE_END_RE = re.compile(r"silence_end:\s*(-?\d+(?:\.\d+)?)")
_INTEGRATED_RE = re.compile(r"Integrated loudness:\s*I:\s*(-?(?:\d+(?:\.\d+)?|inf))\s*LUFS")


class EmptyScriptError(ValueError):
    """The speech script has no paragraphs, so there is nothing to voice."""


@dataclass(frozen=True)
class VoiceRenderSettings:
    synthesis: SynthesisSettings = field(default_factory=SynthesisSettings)
    paragraph_pause_s: float = 0.6
    loudness_lufs: float = -16.0
    true_peak_db: float = -1.5
    mp3_bitrate: str = "64k"  # constant bitrate of every segment, so segments join without re-encoding
    max_caption_line_chars: int | None = None  # None: 16 for Chinese, 42 for English
    ffmpeg_timeout_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 <= self.paragraph_pause_s <= 5:
            raise ValueError(f"paragraph_pause_s must be within [0, 5], got {self.paragraph_pause_s}")
        if not -30 <= self.loudness_lufs <= -5:
            raise ValueError(f"loudness_lufs must be within [-30, -5], got {self.loudness_lufs}")
        if not -9 <= self.true_peak_db <= 0:
            raise ValueError(f"true_peak_db must be within [-9, 0], got {self.true_peak_db}")
        match = re.fullmatch(r"(\d+)k", self.mp3_bitrate) if isinstance(self.mp3_bitrate, str) else None
        if match is None or int(match.group(1)) not in _MP3_BITRATES_KBPS:
            allowed = ", ".join(f"{kbps}k" for kbps in _MP3_BITRATES_KBPS)
            raise ValueError(f"mp3_bitrate must be one of {allowed} (24 kHz MP3), got {self.mp3_bitrate!r}")


@dataclass(frozen=True)
class RecordedNarration:
    """A doctor's cleaned recording of one paragraph, used in place of synthesis (``sha256`` keys the cache)."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class ParagraphTiming:
    """Where a script paragraph sits in the final MP3 (for syncing slides)."""

    paragraph_id: str
    start: float
    end: float


@dataclass(frozen=True)
class VoiceResult:
    mp3_path: Path
    duration_s: float
    cues: tuple[Cue, ...]
    vtt_path: Path
    srt_path: Path
    engine_used: str
    voice_used: str
    synthesized: int  # paragraphs made in this render (synthesised, or encoded from a recording)
    reused: int  # paragraphs taken from the cache
    paragraphs: tuple[ParagraphTiming, ...] = ()
    fallback_attempts: tuple[FallbackAttempt, ...] = ()
    recorded: int = 0  # paragraphs in the doctor's own voice (cached or not)


@dataclass(frozen=True)
class _Segment:
    """A cached MP3 segment; ``samples`` is what its audio frames decode to (whole frames)."""

    mp3_path: Path
    samples: int


@dataclass(frozen=True)
class _Clip:
    paragraph: SpeechParagraph
    segment: _Segment
    speech_samples: int  # the normalised speech before encoding; the segment adds encoder delay and padding
    boundaries: tuple[Boundary, ...]

    @property
    def duration_s(self) -> float:
        return self.speech_samples / _SAMPLE_RATE


# --------------------------------------------------------------------------- MP3 frames

_LAYER3_BITRATES_KBPS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 / 2.5
}
_SAMPLE_RATES_BY_VERSION = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_audio_samples(path: Path) -> int:
    """Samples that the audio frames of a Layer III file decode to, a Xing/Info header frame not counted.

    Counting frames is exact where container durations are rounded or
    gapless-trimmed, and it checks that the file is a plain ``_SAMPLE_RATE``
    frame sequence that the concat demuxer can stream-copy.
    """
    data = path.read_bytes()
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
    samples = 0
    first = True
    while pos + 4 <= len(data):
        if data[pos : pos + 3] == b"TAG" and len(data) - pos == 128:  # trailing ID3v1 tag
            break
        b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
        if data[pos] != 0xFF or b1 & 0xE0 != 0xE0:
            raise ValueError(f"{path}: no MPEG audio frame at byte {pos}")
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
        if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
            raise ValueError(f"{path}: not an MPEG Layer III frame at byte {pos}")
        mpeg1 = version == 3
        rate = _SAMPLE_RATES_BY_VERSION[version][rate_index]
        if rate != _SAMPLE_RATE:
            raise ValueError(f"{path}: {rate} Hz frame at byte {pos}, expected {_SAMPLE_RATE} Hz")
        length = (144 if mpeg1 else 72) * _LAYER3_BITRATES_KBPS[mpeg1][bitrate_index] * 1000 // rate + padding
        if pos + length > len(data):
            raise ValueError(f"{path}: truncated MPEG frame at byte {pos}")
        if first:
            first = False
            mono = b3 >> 6 == 3
            side_info = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
            if data[pos + 4 + side_info : pos + 8 + side_info] in (b"Xing", b"Info"):
                pos += length
                continue
        samples += 1152 if mpeg1 else 576
        pos += length
    if samples == 0:
        raise ValueError(f"{path}: no MPEG audio frames")
    return samples


# --------------------------------------------------------------------------- cache


def _clip_key(
    paragraph: SpeechParagraph,
    engine: SpeechEngine,
    voice: str,
    settings: VoiceRenderSettings,
    lexicon: PronunciationLexicon | None = None,
) -> str:
    material = {
        "format": _CLIP_FORMAT_VERSION,
        "text": paragraph.text_for_speech,
        "engine": engine.name,
        "voice": voice,
        "synthesis": asdict(settings.synthesis),
        "loudness": [settings.loudness_lufs, settings.true_peak_db],
        "sample_rate": _SAMPLE_RATE,
        "mp3_bitrate": settings.mp3_bitrate,
    }
    # Only the lexicon entries this paragraph uses, for engines that apply them: editing 重复 re-voices
    # the paragraphs that say 重复 and nothing else.
    pronunciation = engine.pronunciation_key(paragraph.text_for_speech, voice, lexicon)
    if pronunciation is not None:
        material["pronunciation"] = pronunciation
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _wav_samples(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != _SAMPLE_WIDTH or wav.getframerate() != _SAMPLE_RATE:
            raise ValueError(f"{path} is not {_SAMPLE_RATE} Hz mono s16")
        return wav.getnframes()


def _load_cached_clip(paragraph: SpeechParagraph, mp3_path: Path, meta_path: Path) -> _Clip | None:
    if not (mp3_path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        boundaries = tuple(Boundary(**b) for b in meta["boundaries"])
        speech_samples, segment_samples = int(meta["speech_samples"]), int(meta["segment_samples"])
        size = mp3_path.stat().st_size
        if size != meta["mp3_bytes"]:  # a truncated or replaced segment would corrupt the stream copy
            raise ValueError(f"segment is {size} bytes, the sidecar recorded {meta['mp3_bytes']}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("ignoring corrupt cached clip %s: %s", mp3_path, exc)
        return None
    return _Clip(paragraph, _Segment(mp3_path, segment_samples), speech_samples, boundaries)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _mp3_encode_args(settings: VoiceRenderSettings) -> list[str]:
    """The one encoding of every segment (clips and silences), so that they can be joined by stream copy."""
    return [
        "-ar", str(_SAMPLE_RATE), "-ac", "1", "-c:a", "libmp3lame", "-b:a", settings.mp3_bitrate,
        "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
        "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "mp3",
    ]  # fmt: skip


def measure_loudness(
    raw: Path, pcm: Path, settings: VoiceRenderSettings, *, pre_filters: str = "", extra_analysis: str = ""
) -> tuple[float, str]:
    """Decode ``raw`` to the render's PCM (``_SAMPLE_RATE`` mono s16) while ebur128 measures it.

    ``pre_filters`` run before resampling (trimming, denoising), ``extra_analysis``
    after it (e.g. silencedetect). Returns the integrated loudness and ffmpeg's log.
    """
    chain = ",".join(
        filter(
            None,
            [
                pre_filters,
                f"aresample={_SAMPLE_RATE}",
                "aformat=channel_layouts=mono",
                extra_analysis,
                "ebur128=framelog=quiet",
            ],
        )
    )
    log = run_ffmpeg_for_log(
        [
            "-y", "-i", str(raw), "-map", "0:a:0", "-af", chain,
            "-ar", str(_SAMPLE_RATE), "-ac", "1", "-c:a", "pcm_s16le",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
            str(pcm),
        ],
        timeout=settings.ffmpeg_timeout_s,
    )  # fmt: skip
    match = _INTEGRATED_RE.search(log)
    if match is None:
        raise FFmpegError("ffmpeg's ebur128 filter reported no integrated loudness", stderr_tail=log[-2000:])
    return float(match.group(1)), log


def loudness_filter(measured_lufs: float, settings: VoiceRenderSettings, *, max_gain_db: float = _MAX_GAIN_DB) -> str:
    """The one linear gain to the loudness target, then the look-ahead peak limiter (the TTS and recordings alike)."""
    gain_db = 0.0 if measured_lufs <= _UNMEASURABLE_LUFS else min(settings.loudness_lufs - measured_lufs, max_gain_db)
    ceiling = 10 ** (settings.true_peak_db / 20)
    return f"volume={gain_db:.2f}dB,alimiter=limit={ceiling:.4f}:level=false:latency=true"


def _normalise_and_encode(
    raw: Path, settings: VoiceRenderSettings, work_dir: Path, out_mp3: Path, *, extra_analysis: str = ""
) -> tuple[int, str]:
    """Bring ``raw`` to the loudness target and encode it to ``out_mp3``.

    Returns the speech length in samples and the log.
    """
    pcm = work_dir / "clip.wav"
    measured, log = measure_loudness(raw, pcm, settings, extra_analysis=extra_analysis)
    run_ffmpeg(
        ["-y", "-i", str(pcm), "-af", loudness_filter(measured, settings), *_mp3_encode_args(settings), str(out_mp3)],
        timeout=settings.ffmpeg_timeout_s,
    )
    return _wav_samples(pcm), log


def _synthesize_clip(
    paragraph: SpeechParagraph,
    engine: SpeechEngine,
    voice: str,
    settings: VoiceRenderSettings,
    mp3_path: Path,
    meta_path: Path,
    lexicon: PronunciationLexicon | None = None,
) -> _Clip:
    result = engine.synthesize(paragraph.text_for_speech, voice, settings.synthesis, lexicon)
    with tempfile.TemporaryDirectory(dir=mp3_path.parent, prefix=".clip-") as tmp:
        raw = Path(tmp) / f"raw.{result.audio_format}"
        raw.write_bytes(result.audio)
        encoded = Path(tmp) / "clip.mp3"
        speech_samples, _log = _normalise_and_encode(raw, settings, Path(tmp), encoded)
        segment_samples = _mp3_audio_samples(encoded)
        mp3_bytes = encoded.stat().st_size
        os.replace(encoded, mp3_path)
    meta = {
        "paragraph_id": paragraph.id,
        "text_for_speech": paragraph.text_for_speech,
        "engine": engine.name,
        "voice": voice,
        "boundaries": [asdict(b) for b in result.boundaries],
        "speech_samples": speech_samples,
        "segment_samples": segment_samples,
        "mp3_bytes": mp3_bytes,
    }
    _atomic_write_bytes(meta_path, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
    return _Clip(paragraph, _Segment(mp3_path, segment_samples), speech_samples, result.boundaries)


def _recorded_clip_key(recording: RecordedNarration, settings: VoiceRenderSettings) -> str:
    material = {
        "format": _CLIP_FORMAT_VERSION,
        "recording": recording.sha256,
        "loudness": [settings.loudness_lufs, settings.true_peak_db],
        "sample_rate": _SAMPLE_RATE,
        "mp3_bitrate": settings.mp3_bitrate,
        "pauses": _SENTENCE_PAUSE_FILTER,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()


def _silences(log: str, duration: float) -> list[tuple[float, float]]:
    """(start, end) of the pauses silencedetect logged; one still open at the end closes with the clip."""
    starts = [float(m.group(1)) for m in _SILENCE_START_RE.finditer(log)]
    ends = [float(m.group(1)) for m in _SILENCE_END_RE.finditer(log)]
    return [
        (max(0.0, start), min(duration, end))
        for start, end in zip(starts, [*ends, duration][: len(starts)], strict=False)
    ]


def _sentence_boundaries(
    paragraph: SpeechParagraph, pauses: list[tuple[float, float]], duration: float
) -> tuple[Boundary, ...]:
    """Sentence times in a recorded paragraph: each sentence break goes to the doctor's pause nearest the
    break's share of the paragraph (by speech characters); with no pause near enough, the share itself is used.
    """
    spans = _sentence_spans(paragraph)
    text = paragraph.text_for_speech
    if len(spans) <= 1 or not text:
        return ()
    inner = [(start, end) for start, end in pauses if start > 0.05 and end < duration - 0.05]
    tolerance = max(1.0, 0.25 * duration / len(spans))
    starts, ends = [0.0], []
    for start_char, _end_char, _display in spans[1:]:
        expected = duration * start_char / len(text)
        later = [pause for pause in inner if pause[0] >= starts[-1]]
        nearest = min(later, key=lambda pause: abs((pause[0] + pause[1]) / 2 - expected), default=None)
        if nearest is not None and abs((nearest[0] + nearest[1]) / 2 - expected) <= tolerance:
            ends.append(nearest[0])
            starts.append(nearest[1])
        else:
            expected = max(expected, starts[-1])
            ends.append(expected)
            starts.append(expected)
    ends.append(duration)
    return tuple(
        Boundary("sentence", text[s0:s1], start, end)
        for (s0, s1, _d), start, end in zip(spans, starts, ends, strict=True)
    )


def _recorded_clip(
    paragraph: SpeechParagraph, recording: RecordedNarration, settings: VoiceRenderSettings, cache_dir: Path
) -> tuple[_Clip, bool]:
    """The doctor's clip in the render's encoding, from the cache when it is there; True when it was made now."""
    key = _recorded_clip_key(recording, settings)
    folder = cache_dir / key[:2]
    mp3_path, meta_path = folder / f"{key}.mp3", folder / f"{key}.json"
    cached = _load_cached_clip(paragraph, mp3_path, meta_path)
    if cached is not None:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        pauses = [tuple(pause) for pause in meta.get("pauses", [])]
        return _Clip(
            paragraph, cached.segment, cached.speech_samples, _sentence_boundaries(paragraph, pauses, cached.duration_s)
        ), False
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".clip-") as tmp:
        encoded = Path(tmp) / "clip.mp3"
        speech_samples, log = _normalise_and_encode(
            recording.path, settings, Path(tmp), encoded, extra_analysis=_SENTENCE_PAUSE_FILTER
        )
        segment_samples = _mp3_audio_samples(encoded)
        mp3_bytes = encoded.stat().st_size
        os.replace(encoded, mp3_path)
    duration = speech_samples / _SAMPLE_RATE
    pauses = _silences(log, duration)
    meta = {
        "paragraph_id": paragraph.id,
        "recording": recording.sha256,
        "boundaries": [],
        "pauses": pauses,
        "speech_samples": speech_samples,
        "segment_samples": segment_samples,
        "mp3_bytes": mp3_bytes,
    }
    _atomic_write_bytes(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
    boundaries = _sentence_boundaries(paragraph, pauses, duration)
    return _Clip(paragraph, _Segment(mp3_path, segment_samples), speech_samples, boundaries), True


def _voice_all_paragraphs(
    script: SpeechScript,
    engine: SpeechEngine,
    voice: str,
    settings: VoiceRenderSettings,
    cache_dir: Path,
    lexicon: PronunciationLexicon | None = None,
    recorded: dict[str, _Clip] | None = None,
) -> tuple[list[_Clip], int, int]:
    """Every paragraph's clip: the doctor's where there is one, else synthesised by ``engine`` (or cached)."""
    clips: list[_Clip] = []
    synthesized = reused = 0
    for paragraph in script.paragraphs:
        if recorded and paragraph.id in recorded:
            clips.append(recorded[paragraph.id])
            continue
        key = _clip_key(paragraph, engine, voice, settings, lexicon)
        folder = cache_dir / key[:2]
        mp3_path, meta_path = folder / f"{key}.mp3", folder / f"{key}.json"
        clip = _load_cached_clip(paragraph, mp3_path, meta_path)
        if clip is None:
            folder.mkdir(parents=True, exist_ok=True)
            clip = _synthesize_clip(paragraph, engine, voice, settings, mp3_path, meta_path, lexicon)
            synthesized += 1
        else:
            reused += 1
        clips.append(clip)
    return clips, synthesized, reused


def _silence_segment(frames: int, settings: VoiceRenderSettings, cache_dir: Path) -> _Segment:
    """A cached MP3 segment of about ``frames`` silent frames in the clips' encoding (its length is counted)."""
    folder = cache_dir / "silence"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"v{_CLIP_FORMAT_VERSION}-{_SAMPLE_RATE}hz-{settings.mp3_bitrate}-{frames}f.mp3"
    if not path.is_file():
        # Half a frame of slack keeps libmp3lame's end padding inside the last wanted frame.
        samples = frames * _MP3_FRAME_SAMPLES - _LAME_DELAY_SAMPLES - _MP3_FRAME_SAMPLES // 2
        with tempfile.TemporaryDirectory(dir=folder, prefix=".silence-") as tmp:
            encoded = Path(tmp) / "silence.mp3"
            run_ffmpeg(
                [
                    "-y", "-f", "lavfi", "-i", f"anullsrc=r={_SAMPLE_RATE}:cl=mono,atrim=end_sample={samples}",
                    *_mp3_encode_args(settings), str(encoded),
                ],
                timeout=settings.ffmpeg_timeout_s,
            )  # fmt: skip
            os.replace(encoded, path)
    return _Segment(path, _mp3_audio_samples(path))


# --------------------------------------------------------------------------- timing


def _sentence_spans(paragraph: SpeechParagraph) -> list[tuple[int, int, str]]:
    """(start, end) character spans of each sentence inside ``text_for_speech``, with display text."""
    text = paragraph.text_for_speech
    sentences = paragraph.sentences
    if not sentences:
        return [(0, len(text), paragraph.text_for_display)]
    spans: list[tuple[int, int, str]] = []
    cursor = 0
    for sentence in sentences:
        start = text.find(sentence.speech, cursor)
        if start < 0:  # script built by hand with inconsistent sentences: fall back to order
            start = cursor
        end = min(len(text), start + len(sentence.speech))
        spans.append((start, end, sentence.display))
        cursor = end
    return spans


def _time_anchors(text: str, boundaries: tuple[Boundary, ...], duration: float) -> tuple[list[float], list[float]]:
    """Piecewise-linear map from character position to time within the clip.

    Engine boundaries are located in the text in order; without any, the map is
    linear, i.e. time is shared out by character count.
    """
    chars = [0.0]
    times = [0.0]
    cursor = 0
    for boundary in boundaries:
        needle = boundary.text.strip()
        if not needle:
            continue
        position = text.find(needle, cursor)
        if position < 0:
            continue
        for char_pos, time in ((position, boundary.start_s), (position + len(needle), boundary.end_s)):
            time = min(max(time, times[-1]), duration)
            if char_pos > chars[-1]:
                chars.append(float(char_pos))
                times.append(time)
            elif char_pos == chars[-1]:
                times[-1] = max(times[-1], time)
        cursor = position + len(needle)
    if len(text) > chars[-1]:
        chars.append(float(len(text)))
        times.append(duration)
    return chars, times


def _interpolate(chars: list[float], times: list[float], position: float) -> float:
    if position <= chars[0]:
        return times[0]
    if position >= chars[-1]:
        return times[-1]
    index = bisect.bisect_right(chars, position)
    c0, c1, t0, t1 = chars[index - 1], chars[index], times[index - 1], times[index]
    return t0 + (t1 - t0) * (position - c0) / (c1 - c0)


def _clip_cues(clip: _Clip, offset: float) -> list[Cue]:
    text = clip.paragraph.text_for_speech
    chars, times = _time_anchors(text, clip.boundaries, clip.duration_s)
    spans = _sentence_spans(clip.paragraph)
    cues: list[Cue] = []
    for index, (start_char, _end_char, display) in enumerate(spans):
        start = _interpolate(chars, times, start_char)
        # A sentence lasts until the next one starts (or the clip ends), so captions do not flicker off.
        end = _interpolate(chars, times, spans[index + 1][0]) if index + 1 < len(spans) else clip.duration_s
        if end - start < 0.05 or not display.strip():
            continue
        cues.append(Cue(round(offset + start, 3), round(offset + end, 3), display.strip()))
    return cues


# --------------------------------------------------------------------------- assembly


def _pause_frames(clip: _Clip, pause_s: float) -> int:
    """Silent frames after ``clip`` that make the gap to the next speech ``pause_s`` (to half a frame).

    The clip's encoder delay and padding already sound as silence and count
    towards the pause; when they alone are about as long, no silence is added.
    """
    trailing = clip.segment.samples - clip.speech_samples
    frames = round((pause_s * _SAMPLE_RATE - trailing) / _MP3_FRAME_SAMPLES)
    return frames if frames >= _MIN_SILENCE_FRAMES else 0


def _concat_entry(path: Path) -> str:
    quoted = os.path.abspath(path).replace("'", "'\\''")
    return f"file '{quoted}'\n"


def _join_segments(
    clips: list[_Clip], settings: VoiceRenderSettings, cache_dir: Path, work_dir: Path, out_mp3: Path
) -> list[float]:
    """Stream-copy the clips, with silences between them, into ``out_mp3``; return each clip's start time."""
    starts: list[float] = []
    entries: list[str] = []
    silences: dict[int, _Segment] = {}
    position = 0  # in samples of the decoded timeline (see the module docstring)
    for index, clip in enumerate(clips):
        if index:
            frames = _pause_frames(clips[index - 1], settings.paragraph_pause_s)
            if frames:
                if frames not in silences:
                    silences[frames] = _silence_segment(frames, settings, cache_dir)
                silence = silences[frames]
                entries.append(_concat_entry(silence.mp3_path))
                position += silence.samples
        starts.append(position / _SAMPLE_RATE)
        entries.append(_concat_entry(clip.segment.mp3_path))
        position += clip.segment.samples
    listing = work_dir / "segments.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + "".join(entries), encoding="utf-8")
    run_ffmpeg(
        [
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-map",
            "0:a",
            "-c",
            "copy",
            "-f",
            "mp3",
            str(out_mp3),
        ],
        timeout=settings.ffmpeg_timeout_s,
    )
    return starts


def render_voice(
    script: SpeechScript,
    engine_chain: EngineChain,
    voice_choice: VoiceChoice | None,
    settings: VoiceRenderSettings | None,
    cache_dir: str | Path,
    output_dir: str | Path,
    *,
    basename: str = "voice",
    lexicon: PronunciationLexicon | None = None,
    recordings: Mapping[str, RecordedNarration] | None = None,
) -> VoiceResult:
    """Voice ``script`` into ``output_dir``/``basename``.{mp3,vtt,srt}.

    ``recordings`` maps paragraph ids to the doctor's cleaned recordings; those
    paragraphs use them instead of synthesis, brought to the same loudness,
    sample rate and pauses as the synthesised ones.

    Raises UnsupportedLanguageError / VoiceNotAvailableError before any work if
    the chain cannot voice the script's language or a chosen voice does not
    exist, and NoEngineAvailableError if every engine fails. ``lexicon`` fixes
    readings where the engine accepts it (see each engine's module).
    """
    if not script.paragraphs:
        raise EmptyScriptError("the speech script has no paragraphs to voice")
    settings = settings or VoiceRenderSettings()
    cache_dir, output_dir = Path(cache_dir), Path(output_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)

    recorded: dict[str, _Clip] = {}
    made_from_recordings = 0
    for paragraph in script.paragraphs:
        recording = (recordings or {}).get(paragraph.id)
        if recording is not None:
            recorded[paragraph.id], made = _recorded_clip(paragraph, recording, settings, cache_dir)
            made_from_recordings += made

    attempts: list[FallbackAttempt] = []
    for engine, voice in engine_chain.plan(script.language, voice_choice):
        try:
            clips, synthesized, reused = _voice_all_paragraphs(
                script, engine, voice, settings, cache_dir, lexicon, recorded
            )
            break
        except (EngineUnavailableError, SynthesisError) as exc:
            logger.warning("TTS engine %s failed, trying the next one: %s", engine.name, exc)
            attempts.append(FallbackAttempt(engine.name, str(exc)))
    else:
        raise NoEngineAvailableError(attempts)

    mp3_path = output_dir / f"{basename}.mp3"
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".voice-") as tmp:
        encoded = Path(tmp) / "voice.mp3"
        starts = _join_segments(clips, settings, cache_dir, Path(tmp), encoded)
        os.replace(encoded, mp3_path)
    # Decoders skip the first segment's delay and the last one's padding, so the speech ends the file.
    duration_s = starts[-1] + clips[-1].duration_s

    cues: list[Cue] = []
    timings: list[ParagraphTiming] = []
    for clip, start in zip(clips, starts, strict=True):
        cues.extend(_clip_cues(clip, start))
        timings.append(ParagraphTiming(clip.paragraph.id, round(start, 3), round(start + clip.duration_s, 3)))
    max_chars = settings.max_caption_line_chars or DEFAULT_MAX_LINE_CHARS[script.language]
    vtt_path = write_vtt(cues, output_dir / f"{basename}.vtt", max_line_chars=max_chars, language=script.language)
    srt_path = write_srt(cues, output_dir / f"{basename}.srt", max_line_chars=max_chars, language=script.language)
    return VoiceResult(
        mp3_path=mp3_path,
        duration_s=round(duration_s, 3),
        cues=tuple(cues),
        vtt_path=vtt_path,
        srt_path=srt_path,
        engine_used=engine.name,
        voice_used=voice,
        synthesized=synthesized + made_from_recordings,
        reused=reused + len(recorded) - made_from_recordings,
        paragraphs=tuple(timings),
        fallback_attempts=tuple(attempts),
        recorded=len(recorded),
    )
