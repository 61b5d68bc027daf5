"""Real audio for the narration-recording tests: a speech-like voice memo made with espeak-ng and ffmpeg,
the phone formats it is exported to, and loudness measured the way broadcasters do (EBU R128, ffmpeg ebur128)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from media_pipeline.render.ffmpeg import ffmpeg_exe, run_ffmpeg, run_ffmpeg_for_log

SENTENCES = ("血压持续高于一百四十，就要去看医生。", "请每天早晚各测一次血压。")
PAUSE_S = 0.9  # between the two sentences, as a doctor pauses
LEAD_S, TAIL_S = 1.2, 1.5  # silence before the first and after the last word, to be trimmed

# What phones, WeChat and browsers export: ffmpeg encoder arguments per file extension.
PHONE_FORMATS = {
    "m4a": ["-c:a", "aac", "-b:a", "64k"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "wav": ["-c:a", "pcm_s16le"],
    "ogg": ["-c:a", "libopus", "-b:a", "32k"],
    "opus": ["-c:a", "libopus", "-b:a", "24k", "-f", "ogg"],
    "webm": ["-c:a", "libopus", "-b:a", "32k"],
    "amr": ["-ar", "8000", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"],
}
_INTEGRATED = re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")


def has_encoder(name: str) -> bool:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True, text=True, check=True).stdout
    return re.search(rf"^\s*A\S*\s+{re.escape(name)}\s", out, re.MULTILINE) is not None


def speech_memo(folder: Path, *, gain_db: float = -14.0, sample_rate: int = 44100) -> Path:
    """Two spoken sentences (espeak-ng, a lower, slower voice than the studio's TTS) with a pause between them,
    silence at both ends, quieter than the target and at a phone's sample rate: what cleaning must fix."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for index, sentence in enumerate(SENTENCES):
        part = folder / f"sentence-{index}.wav"
        subprocess.run(["espeak-ng", "-v", "cmn", "-s", "140", "-p", "35", "-w", str(part), sentence], check=True)
        parts.append(part)
    memo = folder / "memo.wav"
    silence = f"anullsrc=r={sample_rate}:cl=stereo"
    run_ffmpeg(
        [
            "-y",
            "-f",
            "lavfi",
            "-t",
            str(LEAD_S),
            "-i",
            silence,
            "-i",
            str(parts[0]),
            "-f",
            "lavfi",
            "-t",
            str(PAUSE_S),
            "-i",
            silence,
            "-i",
            str(parts[1]),
            "-f",
            "lavfi",
            "-t",
            str(TAIL_S),
            "-i",
            silence,
            "-filter_complex",
            "".join(f"[{i}]aresample={sample_rate},aformat=channel_layouts=stereo[a{i}];" for i in range(5))
            + "[a0][a1][a2][a3][a4]concat=n=5:v=0:a=1,volume="
            + f"{gain_db}dB",
            "-ar",
            str(sample_rate),
            str(memo),
        ],
        timeout=60,
    )
    return memo


def export(memo: Path, extension: str) -> Path:
    out = memo.with_name(f"memo-{extension}.{extension}")
    run_ffmpeg(["-y", "-i", str(memo), "-ac", "1", *PHONE_FORMATS[extension], str(out)], timeout=60)
    return out


def integrated_lufs(path: Path, start: float | None = None, end: float | None = None) -> float:
    """EBU R128 integrated loudness of ``path`` (or of its part from ``start`` to ``end`` seconds)."""
    trim = f"atrim=start={start}:end={end}," if start is not None else ""
    log = run_ffmpeg_for_log(
        ["-i", str(path), "-map", "0:a:0", "-af", f"{trim}ebur128=framelog=quiet", "-f", "null", "-"], timeout=120
    )
    return float(_INTEGRATED.search(log).group(1))


def ffprobe_audio(path: Path) -> dict:
    import json

    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=sample_rate,channels,codec_name:format=duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    stream = data["streams"][0]
    return {
        "codec": stream["codec_name"],
        "sample_rate": int(stream["sample_rate"]),
        "channels": int(stream["channels"]),
        "duration": float(data["format"]["duration"]),
    }
