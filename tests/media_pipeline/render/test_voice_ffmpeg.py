"""The imageio-ffmpeg wrapper shared by the voice and video stages."""

import os

import pytest

from media_pipeline.render.ffmpeg import FFmpegError, ffmpeg_exe, probe_duration, run_ffmpeg


def test_uses_the_imageio_ffmpeg_binary():
    exe = ffmpeg_exe()
    assert "imageio_ffmpeg" in exe and os.access(exe, os.X_OK)


def test_run_and_probe_duration(tmp_path):
    out = tmp_path / "tone.mp3"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5", str(out)], timeout=30)
    assert probe_duration(out) == pytest.approx(1.5, abs=0.05)


def test_probe_duration_of_headerless_stream(tmp_path):
    raw = tmp_path / "tone.aac"  # ADTS has no duration in its header
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", "-f", "adts", str(raw)], timeout=30)
    assert probe_duration(raw) == pytest.approx(2.0, abs=0.1)


def test_failure_carries_the_stderr_tail(tmp_path):
    with pytest.raises(FFmpegError) as excinfo:
        run_ffmpeg(["-i", str(tmp_path / "missing.wav"), str(tmp_path / "out.mp3")], timeout=30)
    assert excinfo.value.returncode != 0
    assert "missing.wav" in excinfo.value.stderr_tail
    assert "No such file" in str(excinfo.value)


def test_probe_missing_file_is_an_error(tmp_path):
    with pytest.raises(FFmpegError, match="does not exist"):
        probe_duration(tmp_path / "nope.mp3")
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"not audio at all")
    with pytest.raises(FFmpegError):
        probe_duration(garbage)
