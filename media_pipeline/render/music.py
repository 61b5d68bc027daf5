"""An optional music bed under the narration: a soft pad the studio synthesises itself, ducked under the voice.

No music file is shipped or downloaded (no licence to clear): :func:`pad`
draws a slow chord progression of sine tones with soft attacks and releases,
quiet and low, with numpy. :func:`mix_bed` lays it under the voice with
moviepy: a volume envelope, read off the voice's own speech and silence
(:func:`ducking_envelope`), lowers the bed while the voice speaks, and a
``CompositeAudioClip`` mixes the two into the WAV the video encoder takes as
it is, so what the tests measure on that WAV is what the MP4 carries.

Off by default (``KEPU_VIDEO_MUSIC_BED = False``): many patients listen on a
phone speaker, where even a quiet bed costs intelligibility for the hard of
hearing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from moviepy import AudioArrayClip, CompositeAudioClip

from media_pipeline.render.ffmpeg import FFmpegError, ffmpeg_exe

__all__ = ["BED_LEVEL_DB", "DUCK_DB", "ducking_envelope", "mix_bed", "pad"]

SAMPLE_RATE = 44100
#: The bed's level before ducking, relative to full scale (speech is normalised to about -16 LUFS).
BED_LEVEL_DB = -30.0
#: How far the bed goes down while the voice speaks.
DUCK_DB = -14.0
_SPEECH_LEVEL = 0.01  # RMS (full scale 1.0) above which a stretch of the voice counts as speech, about -40 dBFS
_WINDOW_S = 0.02
_ATTACK_S = 0.1  # the bed is down within a tenth of a second of speech...
_RELEASE_S = 0.5  # ...and back up over half a second of silence
_CHORD_S = 6.0
# C major, A minor, F major, G major: roots and thirds/fifths in a low, warm register (Hz).
_PROGRESSION = (
    (130.81, 164.81, 196.00),
    (110.00, 130.81, 164.81),
    (87.31, 110.00, 130.81),
    (98.00, 123.47, 146.83),
)


def pad(seconds: float) -> np.ndarray:
    """``seconds`` of soft pad (mono, float, :data:`BED_LEVEL_DB` peak) fading in and out."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    count = int(round(seconds * SAMPLE_RATE))
    t = np.arange(count) / SAMPLE_RATE
    signal = np.zeros(count)
    chord_samples = int(_CHORD_S * SAMPLE_RATE)
    for start in range(0, count, chord_samples):
        chord = _PROGRESSION[(start // chord_samples) % len(_PROGRESSION)]
        # each chord overlaps the next by the fade, so changes are crossfades, not steps
        stop = min(count, start + chord_samples + int(1.5 * SAMPLE_RATE))
        span = t[start:stop] - t[start]
        envelope = np.minimum(1.0, span / 1.5) * np.minimum(1.0, (span[-1] - span) / 1.5 + 1e-9)
        tones = sum(np.sin(2 * np.pi * f * span) + 0.5 * np.sin(2 * np.pi * f * 1.003 * span) for f in chord)
        signal[start:stop] += envelope * tones
    signal *= np.minimum(1.0, np.minimum(t / 2.0, (t[-1] - t) / 2.0 + 1e-9))  # 2 s fade in and out
    peak = np.abs(signal).max() or 1.0
    return signal / peak * 10 ** (BED_LEVEL_DB / 20)


def ducking_envelope(voice: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(times, gains): the bed's volume over time, down by :data:`DUCK_DB` wherever the voice speaks.

    ``voice`` is mono or (samples, channels). Speech is any 20 ms window louder than about
    -40 dBFS; the gain falls within ``_ATTACK_S`` and rises back over ``_RELEASE_S``, starting the fall
    that long before the speech so the first syllable is not masked.
    """
    mono = voice.mean(axis=1) if voice.ndim == 2 else voice
    size = max(1, int(rate * _WINDOW_S))
    count = len(mono) // size
    windows = mono[: count * size].reshape(count, size) if count else np.zeros((1, size))
    speech = np.sqrt((windows**2).mean(axis=1)) > _SPEECH_LEVEL
    lead = round(_ATTACK_S / _WINDOW_S)
    ahead = np.convolve(speech, np.ones(lead + 1), mode="full")[lead : lead + len(speech)] > 0  # speech soon
    low, down, up = 10 ** (DUCK_DB / 20), _WINDOW_S / _ATTACK_S, _WINDOW_S / _RELEASE_S
    gains = np.empty(len(speech))
    gain = 1.0
    for n, soon in enumerate(ahead):
        gain = max(low, gain - down * (1 - low)) if soon else min(1.0, gain + up * (1 - low))
        gains[n] = gain
    return (np.arange(len(gains)) + 0.5) * _WINDOW_S, gains


def _decode_mono(path: Path) -> np.ndarray:
    """The voice as mono float samples at SAMPLE_RATE.

    Decoded here rather than with ``AudioFileClip``, whose reader always asks ffmpeg for stereo:
    ffmpeg spreads a mono voice over two channels at -3 dB each, and the voice would come out quieter.
    """
    pcm = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(path),
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=False,
    )
    if pcm.returncode != 0:
        raise FFmpegError(
            f"could not decode {Path(path).name}",
            returncode=pcm.returncode,
            stderr_tail=pcm.stderr.decode("utf-8", "replace")[-2000:],
        )
    return np.frombuffer(pcm.stdout, dtype="<i2").astype(np.float64) / 32768


def mix_bed(voice_path: Path, seconds: float, path: Path) -> Path:
    """The voice over the ducked pad, ``seconds`` long (the bed plays on after the voice), as a 16-bit WAV.

    moviepy does the mixing: the pad is an ``AudioArrayClip`` whose volume follows
    :func:`ducking_envelope` of the voice (a ``transform`` of the clip), and a
    ``CompositeAudioClip`` lays the voice over it. The pad runs a second past the end, so the
    video ends on music still fading rather than on silence.
    """
    samples = _decode_mono(voice_path)
    times, gains = ducking_envelope(samples, SAMPLE_RATE)
    # two identical channels: moviepy's array clips are stereo (a mono array is widened on read)
    voice = AudioArrayClip(np.repeat(samples[:, None], 2, axis=1), fps=SAMPLE_RATE)
    bed = AudioArrayClip(np.repeat(pad(seconds + 1.0)[:, None], 2, axis=1), fps=SAMPLE_RATE)
    ducked = bed.transform(
        lambda get_frame, t: get_frame(t) * np.reshape(np.interp(t, times, gains, right=1.0), (-1, 1))
    )
    mix = CompositeAudioClip([ducked, voice]).with_duration(seconds)
    mix.write_audiofile(str(path), fps=SAMPLE_RATE, nbytes=2, codec="pcm_s16le", logger=None)
    return Path(path)
