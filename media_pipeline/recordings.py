"""The doctor's own voice: clean an uploaded or browser-made recording and attach it to a new revision.

Cleaning (ffmpeg, two passes): decode the first audio stream of whatever the
phone or browser made (m4a/AAC, MP3, WAV, Ogg/Opus, WebM, AMR), cut the
rumble under 70 Hz, optionally take off steady background hiss (``afftdn``,
light), trim the silence before the first and after the last word (keeping
0.15 s), resample to the voice stage's rate, and bring it to the voice stage's
loudness target with the same gain-and-limiter step the synthesised clips get
(:func:`media_pipeline.render.voice.loudness_filter`). The voice render then treats
the clip like a synthesised one, so a mixed article sounds even.

A file that is not audio, is damaged, holds no speech, or is too long or too
large is refused with a message in the doctor's words; the refusal changes
nothing (no revision, no file kept), and the recording already in the draft
stays.

The cleaned clip is then kept with a new revision of the article
(:func:`cms.articles.narration.attach_recording`), with the fingerprint of the
text it was read from: after the paragraph is edited the fingerprint no longer
matches, the editor shows "recording out of date" and the voice version reads
that paragraph with TTS until it is recorded again.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from media_pipeline.render.ffmpeg import FFmpegError, run_ffmpeg, run_ffmpeg_for_log
from media_pipeline.render.voice import VOICE_SAMPLE_RATE, VoiceRenderSettings, loudness_filter, measure_loudness

__all__ = [
    "RecordingLimits",
    "RecordingRejected",
    "check_size",
    "CleanedRecording",
    "clean_recording",
    "recording_limits",
]

ACCEPTED_EXTENSIONS = (
    ".m4a",
    ".aac",
    ".mp3",
    ".wav",
    ".ogg",
    ".opus",
    ".oga",
    ".webm",
    ".amr",
    ".mp4",
    ".3gp",
    ".flac",
)
_TRIM = "silenceremove=start_periods=1:start_duration=0.05:start_threshold=-45dB:start_silence=0.15"
_AUDIO_STREAM_RE = re.compile(r"Stream #\d+:\d+.*?: Audio: ")
_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
# Quieter than this after trimming, the clip cannot reach the target without lifting noise with it.
_QUIETEST_LUFS = -50.0
_RECORDING_MAX_GAIN_DB = 34.0


@dataclass(frozen=True)
class RecordingLimits:
    max_bytes: int = 30 * 1024 * 1024
    max_seconds: float = 300.0  # one paragraph read aloud is well under five minutes
    min_speech_seconds: float = 0.4
    denoise: bool = True


def recording_limits() -> RecordingLimits:
    """``KEPU_RECORDING_MAX_MB``, ``KEPU_RECORDING_MAX_SECONDS``, ``KEPU_RECORDING_DENOISE`` (settings)."""
    return RecordingLimits(
        max_bytes=int(float(getattr(settings, "KEPU_RECORDING_MAX_MB", 30)) * 1024 * 1024),
        max_seconds=float(getattr(settings, "KEPU_RECORDING_MAX_SECONDS", 300)),
        denoise=bool(getattr(settings, "KEPU_RECORDING_DENOISE", True)),
    )


class RecordingRejected(ValueError):
    """The file cannot be used; ``message`` says why in the doctor's words, ``reason`` is a short code."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CleanedRecording:
    path: Path  # FLAC, VOICE_SAMPLE_RATE mono, at the voice stage's loudness target
    duration_s: float
    sha256: str
    measured_lufs: float  # loudness of the trimmed speech before the gain


def _limits_message(limits: RecordingLimits) -> str:
    minutes = limits.max_seconds / 60
    return _("This recording is longer than %(minutes)s minutes. Please record each paragraph on its own.") % {
        "minutes": f"{minutes:g}"
    }


_CORRUPT_MESSAGE = gettext_lazy(
    "This recording seems damaged or incomplete (perhaps it was not fully sent). Please record or send it again."
)


def _looks_like_audio(head: bytes) -> bool:
    """The opening bytes of the containers phones and browsers write (MP4/M4A, MP3, WAV, Ogg, WebM, AMR, FLAC)."""
    return (
        head[4:8] == b"ftyp"
        or head[:3] == b"ID3"
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
        or head[:4] in (b"RIFF", b"OggS", b"\x1a\x45\xdf\xa3", b"fLaC")
        or head[:5] == b"#!AMR"
    )


def _probe(source: Path, limits: RecordingLimits) -> None:
    """Refuse what is not audio at all, or cannot be opened, before decoding it."""
    try:
        log = run_ffmpeg_for_log(["-i", str(source), "-f", "null", "-t", "0", "-"], timeout=60)
    except FFmpegError as exc:
        with source.open("rb") as handle:
            head = handle.read(16)
        if _looks_like_audio(head):  # a recorder's file that does not open: cut short or damaged
            raise RecordingRejected("corrupt", str(_CORRUPT_MESSAGE)) from exc
        raise RecordingRejected(
            "not_audio",
            _(
                "This file is not a sound recording we can read. Please upload the voice memo itself "
                "(m4a, mp3, wav, ogg, opus, webm or amr)."
            ),
        ) from exc
    if _AUDIO_STREAM_RE.search(log) is None:
        raise RecordingRejected(
            "not_audio", _("This file has no sound in it. Please upload the voice recording itself.")
        )
    match = _DURATION_RE.search(log)
    if match is not None:
        hours, minutes, seconds = match.groups()
        if int(hours) * 3600 + int(minutes) * 60 + float(seconds) > limits.max_seconds + 30:  # before trimming
            raise RecordingRejected("too_long", _limits_message(limits))


def check_size(size: int, limits: RecordingLimits) -> None:
    """Refuse a file over the size limit (the upload view calls this before writing a byte)."""
    if size > limits.max_bytes:
        raise RecordingRejected(
            "too_large",
            _("This file is %(size)s MB; the most we take is %(limit)s MB. Please record each paragraph on its own.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{round(limits.max_bytes / 1048576, 2):g}"},
        )


def clean_recording(
    source: Path, out_flac: Path, *, limits: RecordingLimits | None = None, voice: VoiceRenderSettings | None = None
) -> CleanedRecording:
    """Clean ``source`` into ``out_flac`` (see the module docstring); raise RecordingRejected if it cannot be used."""
    limits = limits or RecordingLimits()
    voice = voice or VoiceRenderSettings()
    size = source.stat().st_size
    check_size(size, limits)
    if size == 0:
        raise RecordingRejected("not_audio", _("This file is empty. Please record or send it again."))
    _probe(source, limits)
    trim_both_ends = f"{_TRIM},areverse,{_TRIM},areverse"
    pre = ",".join(filter(None, ["highpass=f=70", "afftdn=nr=10:nf=-50" if limits.denoise else "", trim_both_ends]))
    with tempfile.TemporaryDirectory(prefix="kepu-recording-") as tmp:
        pcm = Path(tmp) / "trimmed.wav"
        try:
            measured, _log = measure_loudness(source, pcm, voice, pre_filters=pre)
        except FFmpegError as exc:
            raise RecordingRejected("corrupt", str(_CORRUPT_MESSAGE)) from exc
        duration = max(0, pcm.stat().st_size - 44) / (2 * VOICE_SAMPLE_RATE)
        if duration < limits.min_speech_seconds or measured < _QUIETEST_LUFS:
            raise RecordingRejected(
                "silent",
                _(
                    "We could not hear any speech in this recording. Check that the microphone is on and "
                    "close to you, then record again."
                ),
            )
        if duration > limits.max_seconds:
            raise RecordingRejected("too_long", _limits_message(limits))
        # The limiter takes a little off peaky speech; a second, small gain lands it on the target.
        limited = Path(tmp) / "limited.wav"
        after, _log = measure_loudness(
            pcm, limited, voice, pre_filters=loudness_filter(measured, voice, max_gain_db=_RECORDING_MAX_GAIN_DB)
        )
        run_ffmpeg(
            [
                "-y", "-i", str(limited), "-af", loudness_filter(after, voice),
                "-ar", str(VOICE_SAMPLE_RATE), "-ac", "1", "-c:a", "flac", "-sample_fmt", "s16",
                "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", str(out_flac),
            ],
            timeout=voice.ffmpeg_timeout_s,
        )  # fmt: skip
    digest = hashlib.sha256(out_flac.read_bytes()).hexdigest()
    return CleanedRecording(out_flac, round(duration, 3), digest, measured)
