"""An optional music bed under the narration: a soft pad the studio synthesises itself, ducked under the voice.

No music file is shipped or downloaded (no licence to clear): :func:`write_pad`
draws a slow chord progression of sine tones with soft attacks and releases,
quiet and low, with numpy. :func:`bed_filter` is the ffmpeg filtergraph that
lowers the bed while the voice speaks (``sidechaincompress`` keyed on the
voice) and mixes the two; the video encoder uses it as it is, so what the
tests measure on WAV files is what the MP4 carries.

Off by default (``KEPU_VIDEO_MUSIC_BED = False``): many patients listen on a
phone speaker, where even a quiet bed costs intelligibility for the hard of
hearing.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

__all__ = ["BED_LEVEL_DB", "bed_filter", "write_pad"]

SAMPLE_RATE = 44100
#: The bed's level before ducking, relative to full scale (speech is normalised to about -16 LUFS).
BED_LEVEL_DB = -30.0
_CHORD_S = 6.0
# C major, A minor, F major, G major: roots and thirds/fifths in a low, warm register (Hz).
_PROGRESSION = (
    (130.81, 164.81, 196.00),
    (110.00, 130.81, 164.81),
    (87.31, 110.00, 130.81),
    (98.00, 123.47, 146.83),
)


def write_pad(path: Path, seconds: float) -> Path:
    """A mono 16-bit WAV of ``seconds`` of soft pad at :data:`BED_LEVEL_DB` peak, fading in and out."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    count = int(round(seconds * SAMPLE_RATE))
    t = np.arange(count) / SAMPLE_RATE
    signal = np.zeros(count)
    chord_samples = int(_CHORD_S * SAMPLE_RATE)
    fade = int(1.5 * SAMPLE_RATE)
    for start in range(0, count, chord_samples):
        chord = _PROGRESSION[(start // chord_samples) % len(_PROGRESSION)]
        # each chord overlaps the next by the fade, so changes are crossfades, not steps
        stop = min(count, start + chord_samples + fade)
        span = t[start:stop] - t[start]
        envelope = np.minimum(1.0, span / 1.5) * np.minimum(1.0, (span[-1] - span) / 1.5 + 1e-9)
        tones = sum(np.sin(2 * np.pi * f * span) + 0.5 * np.sin(2 * np.pi * f * 1.003 * span) for f in chord)
        signal[start:stop] += envelope * tones
    signal *= np.minimum(1.0, np.minimum(t / 2.0, (t[-1] - t) / 2.0 + 1e-9))  # 2 s fade in and out
    peak = np.abs(signal).max() or 1.0
    signal = signal / peak * 10 ** (BED_LEVEL_DB / 20)
    pcm = np.clip(signal * 32767, -32768, 32767).astype("<i2")
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return path


def bed_filter(voice: str, music: str, out: str) -> str:
    """Filtergraph text: ``[voice]`` and ``[music]`` in, ``[out]`` = voice over the ducked bed.

    The compressor listens to the voice (sidechain) and pulls the bed down by up to ~14 dB within
    a tenth of a second of speech, letting it back up over half a second of silence.
    """
    return (
        f"[{voice}]asplit=2[kp_key][kp_voice];"
        f"[{music}]aformat=sample_fmts=fltp:channel_layouts=mono[kp_bed];"
        "[kp_key]aformat=sample_fmts=fltp:channel_layouts=mono[kp_key_mono];"
        "[kp_bed][kp_key_mono]sidechaincompress=threshold=0.01:ratio=8:attack=40:release=500:makeup=1[kp_ducked];"
        f"[kp_voice][kp_ducked]amix=inputs=2:duration=first:normalize=0[{out}]"
    )
