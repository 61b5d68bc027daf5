"""Voice render: speech script -> loudness-normalised MP3 + sentence captions (VTT, SRT).

Rendering is incremental. Every paragraph is synthesised into its own clip,
normalised (ffmpeg ``loudnorm``) and cached under ``cache_dir`` by the sha256
of everything that changes its audio (speech text, engine, voice, synthesis
settings, loudness target). Re-rendering after an edit synthesises only the
changed paragraphs; the final step just joins cached PCM clips with pauses and
encodes one MP3, which is cheap. Normalising per clip (instead of the whole
mix) is what keeps that last step cheap, and it also evens out loudness
between paragraphs.

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
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

from media_pipeline.ffmpeg import run_ffmpeg
from media_pipeline.speech import SpeechParagraph, SpeechScript
from media_pipeline.subtitles import DEFAULT_MAX_LINE_CHARS, Cue, write_srt, write_vtt
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

__all__ = ["VoiceRenderSettings", "VoiceResult", "ParagraphTiming", "EmptyScriptError", "render_voice", "Cue"]

logger = logging.getLogger(__name__)

# Bump when the clip processing changes so stale cached clips are not reused.
_CLIP_FORMAT_VERSION = 1
_SAMPLE_RATE = 24000
_SAMPLE_WIDTH = 2  # s16le mono


class EmptyScriptError(ValueError):
    """The speech script has no paragraphs, so there is nothing to voice."""


@dataclass(frozen=True)
class VoiceRenderSettings:
    synthesis: SynthesisSettings = field(default_factory=SynthesisSettings)
    paragraph_pause_s: float = 0.6
    loudness_lufs: float = -16.0
    true_peak_db: float = -1.5
    mp3_bitrate: str = "64k"
    max_caption_line_chars: int | None = None  # None: 16 for Chinese, 42 for English
    ffmpeg_timeout_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 <= self.paragraph_pause_s <= 5:
            raise ValueError(f"paragraph_pause_s must be within [0, 5], got {self.paragraph_pause_s}")
        if not -30 <= self.loudness_lufs <= -5:
            raise ValueError(f"loudness_lufs must be within [-30, -5], got {self.loudness_lufs}")


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
    synthesized: int  # paragraphs synthesised in this render
    reused: int  # paragraphs taken from the cache
    paragraphs: tuple[ParagraphTiming, ...] = ()
    fallback_attempts: tuple[FallbackAttempt, ...] = ()


@dataclass(frozen=True)
class _Clip:
    paragraph: SpeechParagraph
    wav_path: Path
    duration_s: float
    boundaries: tuple[Boundary, ...]


# --------------------------------------------------------------------------- cache


def _clip_key(paragraph: SpeechParagraph, engine: SpeechEngine, voice: str, settings: VoiceRenderSettings) -> str:
    material = {
        "format": _CLIP_FORMAT_VERSION,
        "text": paragraph.text_for_speech,
        "engine": engine.name,
        "voice": voice,
        "synthesis": asdict(settings.synthesis),
        "loudness": [settings.loudness_lufs, settings.true_peak_db],
        "sample_rate": _SAMPLE_RATE,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != _SAMPLE_WIDTH or wav.getframerate() != _SAMPLE_RATE:
            raise ValueError(f"{path} is not {_SAMPLE_RATE} Hz mono s16")
        return wav.getnframes() / wav.getframerate()


def _load_cached_clip(paragraph: SpeechParagraph, wav_path: Path, meta_path: Path) -> _Clip | None:
    if not (wav_path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        boundaries = tuple(Boundary(**b) for b in meta["boundaries"])
        duration = _wav_duration(wav_path)
    except (OSError, ValueError, KeyError, TypeError, EOFError, wave.Error) as exc:
        logger.warning("ignoring corrupt cached clip %s: %s", wav_path, exc)
        return None
    return _Clip(paragraph, wav_path, duration, boundaries)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _synthesize_clip(
    paragraph: SpeechParagraph,
    engine: SpeechEngine,
    voice: str,
    settings: VoiceRenderSettings,
    wav_path: Path,
    meta_path: Path,
) -> _Clip:
    result = engine.synthesize(paragraph.text_for_speech, voice, settings.synthesis)
    with tempfile.TemporaryDirectory(dir=wav_path.parent, prefix=".clip-") as tmp:
        raw = Path(tmp) / f"raw.{result.audio_format}"
        raw.write_bytes(result.audio)
        normalised = Path(tmp) / "clip.wav"
        run_ffmpeg(
            [
                "-y", "-i", str(raw),
                "-af", f"loudnorm=I={settings.loudness_lufs}:TP={settings.true_peak_db}:LRA=11",
                "-ar", str(_SAMPLE_RATE), "-ac", "1", "-c:a", "pcm_s16le",
                "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
                str(normalised),
            ],
            timeout=settings.ffmpeg_timeout_s,
        )  # fmt: skip
        os.replace(normalised, wav_path)
    meta = {
        "paragraph_id": paragraph.id,
        "text_for_speech": paragraph.text_for_speech,
        "engine": engine.name,
        "voice": voice,
        "boundaries": [asdict(b) for b in result.boundaries],
    }
    _atomic_write_bytes(meta_path, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
    return _Clip(paragraph, wav_path, _wav_duration(wav_path), result.boundaries)


def _voice_all_paragraphs(
    script: SpeechScript, engine: SpeechEngine, voice: str, settings: VoiceRenderSettings, cache_dir: Path
) -> tuple[list[_Clip], int, int]:
    clips: list[_Clip] = []
    synthesized = reused = 0
    for paragraph in script.paragraphs:
        key = _clip_key(paragraph, engine, voice, settings)
        folder = cache_dir / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        wav_path, meta_path = folder / f"{key}.wav", folder / f"{key}.json"
        clip = _load_cached_clip(paragraph, wav_path, meta_path)
        if clip is None:
            clip = _synthesize_clip(paragraph, engine, voice, settings, wav_path, meta_path)
            synthesized += 1
        else:
            reused += 1
        clips.append(clip)
    return clips, synthesized, reused


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
    for index, (start_char, end_char, display) in enumerate(spans):
        start = _interpolate(chars, times, start_char)
        # A sentence lasts until the next one starts (or the clip ends), so captions do not flicker off.
        end = _interpolate(chars, times, spans[index + 1][0]) if index + 1 < len(spans) else clip.duration_s
        if end - start < 0.05 or not display.strip():
            continue
        cues.append(Cue(round(offset + start, 3), round(offset + end, 3), display.strip()))
    return cues


# --------------------------------------------------------------------------- assembly


def _join_clips(clips: list[_Clip], pause_s: float, out_wav: Path) -> list[float]:
    """Write all clips with ``pause_s`` of silence between them; return each clip's start time."""
    silence = b"\x00" * (round(pause_s * _SAMPLE_RATE) * _SAMPLE_WIDTH)
    starts: list[float] = []
    frames_written = 0
    with wave.open(str(out_wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(_SAMPLE_WIDTH)
        out.setframerate(_SAMPLE_RATE)
        for index, clip in enumerate(clips):
            if index:
                out.writeframes(silence)
                frames_written += len(silence) // _SAMPLE_WIDTH
            starts.append(frames_written / _SAMPLE_RATE)
            with wave.open(str(clip.wav_path), "rb") as wav:
                frames = wav.readframes(wav.getnframes())
            out.writeframes(frames)
            frames_written += len(frames) // _SAMPLE_WIDTH
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
) -> VoiceResult:
    """Voice ``script`` into ``output_dir``/``basename``.{mp3,vtt,srt}.

    Raises UnsupportedLanguageError / VoiceNotAvailableError before any work if
    the chain cannot voice the script's language or a chosen voice does not
    exist, and NoEngineAvailableError if every engine fails.
    """
    if not script.paragraphs:
        raise EmptyScriptError("the speech script has no paragraphs to voice")
    settings = settings or VoiceRenderSettings()
    cache_dir, output_dir = Path(cache_dir), Path(output_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)

    attempts: list[FallbackAttempt] = []
    for engine, voice in engine_chain.plan(script.language, voice_choice):
        try:
            clips, synthesized, reused = _voice_all_paragraphs(script, engine, voice, settings, cache_dir)
            break
        except (EngineUnavailableError, SynthesisError) as exc:
            logger.warning("TTS engine %s failed, trying the next one: %s", engine.name, exc)
            attempts.append(FallbackAttempt(engine.name, str(exc)))
    else:
        raise NoEngineAvailableError(attempts)

    mp3_path = output_dir / f"{basename}.mp3"
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".voice-") as tmp:
        joined = Path(tmp) / "joined.wav"
        starts = _join_clips(clips, settings.paragraph_pause_s, joined)
        # The PCM length is the speech's exact duration (the MP3 only adds encoder padding).
        duration_s = _wav_duration(joined)
        encoded = Path(tmp) / "voice.mp3"
        run_ffmpeg(
            ["-y", "-i", str(joined), "-c:a", "libmp3lame", "-b:a", settings.mp3_bitrate, "-ac", "1", str(encoded)],
            timeout=settings.ffmpeg_timeout_s,
        )
        os.replace(encoded, mp3_path)

    cues: list[Cue] = []
    timings: list[ParagraphTiming] = []
    for clip, start in zip(clips, starts):
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
        synthesized=synthesized,
        reused=reused,
        paragraphs=tuple(timings),
        fallback_attempts=tuple(attempts),
    )
