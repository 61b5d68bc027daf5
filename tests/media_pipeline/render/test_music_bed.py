"""The optional music bed: synthesised by the studio, quiet, and ducked while the voice speaks."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from media_pipeline.render.ffmpeg import ffmpeg_exe
from media_pipeline.render.music import BED_LEVEL_DB, DUCK_DB, SAMPLE_RATE, mix_bed, pad


def read_wav(path: Path) -> np.ndarray:
    """Samples of a 16-bit WAV in [-1, 1], channels averaged."""
    with wave.open(str(path)) as clip:
        samples = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2").astype(np.float64) / 32768
        return samples.reshape(-1, clip.getnchannels()).mean(axis=1)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2)))


def test_the_pad_is_quiet_soft_and_fades():
    music = pad(20.0)
    assert len(music) == 20 * SAMPLE_RATE
    assert np.abs(music).max() == pytest.approx(10 ** (BED_LEVEL_DB / 20), rel=0.01)
    assert rms(music[: SAMPLE_RATE // 10]) < rms(music[5 * SAMPLE_RATE : 6 * SAMPLE_RATE]) / 5  # fades in
    spectrum = np.abs(np.fft.rfft(music[4 * SAMPLE_RATE : 8 * SAMPLE_RATE])) ** 2  # energy
    freqs = np.fft.rfftfreq(4 * SAMPLE_RATE, 1 / SAMPLE_RATE)
    assert spectrum[freqs > 1000].sum() < 0.01 * spectrum.sum()  # low and warm, nothing shrill
    with pytest.raises(ValueError):
        pad(0)


def test_the_bed_is_ducked_while_the_voice_speaks(tmp_path):
    """Voice: 3 s of tone, 3 s of silence. The mix minus the voice is the bed: lower under the voice."""
    t = np.arange(6 * SAMPLE_RATE) / SAMPLE_RATE
    voice = np.where(t < 3, 0.3 * np.sin(2 * np.pi * 440 * t), 0.0)
    voice_path = tmp_path / "voice.wav"
    with wave.open(str(voice_path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((voice * 32767).astype("<i2").tobytes())
    mixed = mix_bed(voice_path, 6.0, tmp_path / "mixed.wav")
    mix = read_wav(mixed)[: len(voice)]
    bed = mix - voice
    pad_alone = pad(7.0)[: len(voice)]  # the pad mix_bed lays under 6 s of voice (a second past the end)
    under_voice = rms(bed[int(1.0 * SAMPLE_RATE) : int(2.8 * SAMPLE_RATE)])
    in_silence = rms(bed[int(4.5 * SAMPLE_RATE) : int(5.9 * SAMPLE_RATE)])
    assert in_silence == pytest.approx(rms(pad_alone[int(4.5 * SAMPLE_RATE) : int(5.9 * SAMPLE_RATE)]), rel=0.25)
    ducked = rms(pad_alone[int(1.0 * SAMPLE_RATE) : int(2.8 * SAMPLE_RATE)]) * 10 ** (DUCK_DB / 20)
    assert under_voice == pytest.approx(ducked, rel=0.2)  # down by DUCK_DB under the voice
    assert rms(mix[int(1.0 * SAMPLE_RATE) : int(2.8 * SAMPLE_RATE)]) == pytest.approx(
        rms(voice[SAMPLE_RATE : int(2.8 * SAMPLE_RATE)]), rel=0.1
    )


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffprobe")), reason="needs espeak-ng and ffprobe")
def test_a_video_with_the_bed_has_music_in_the_end_card_hold(tmp_path):
    from cms.core.documents import ArticleDocument, DocumentBlock
    from media_pipeline.render.subtitles import Cue
    from media_pipeline.render.video import END_HOLD_S, EncodeSettings, render_video

    wav, mp3 = tmp_path / "voice.wav", tmp_path / "voice.mp3"
    subprocess.run(
        ["espeak-ng", "-v", "cmn", "-s", "300", "-w", str(wav), "每天测量血压。"], check=True, capture_output=True
    )
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-b:a", "64k", str(mp3)], check=True)
    duration = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    class Narration:
        mp3_path, duration_s, cues = mp3, duration, (Cue(0.0, duration, "每天测量血压。"),)

    document = ArticleDocument(
        title="测血压", language="zh-hans", blocks=(DocumentBlock("paragraph", text="每天测量血压。"),), share_url=""
    )
    levels = {}
    for music in (False, True):
        result = render_video(document, Narration, tmp_path / f"out-{music}", settings=EncodeSettings(music_bed=music))
        pcm = subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-ss",
                f"{duration + 0.8:.2f}",
                "-t",
                f"{END_HOLD_S - 1.2}",
                "-i",
                str(result.mp4_path),
                "-ac",
                "1",
                "-ar",
                "16000",
                "-f",
                "s16le",
                "-",
            ],
            capture_output=True,
            check=True,
        ).stdout
        levels[music] = rms(np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768)
        assert result.captioned_mp4_path is not None
    assert levels[False] < 1e-3  # the hold is silent without a bed...
    assert (
        10 ** ((BED_LEVEL_DB - 12) / 20) < levels[True] < 10 ** ((BED_LEVEL_DB + 3) / 20)
    )  # ...and quietly musical with one
