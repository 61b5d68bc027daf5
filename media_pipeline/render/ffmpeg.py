"""Thin wrapper around the ffmpeg binary shipped by imageio-ffmpeg.

The pipeline deliberately uses imageio-ffmpeg's static build rather than a
system ffmpeg so that every deployment encodes with the same version (same
codecs, same loudnorm behaviour). Failures raise :class:`FFmpegError` carrying
the tail of ffmpeg's stderr, which is where ffmpeg explains what went wrong.
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

__all__ = ["FFmpegError", "ffmpeg_exe", "run_ffmpeg", "run_ffmpeg_for_log", "probe_duration"]

_STDERR_TAIL_CHARS = 2000
_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_TIME_RE = re.compile(r"time=\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


class FFmpegError(Exception):
    """ffmpeg exited non-zero, timed out or could not be started."""

    def __init__(self, message: str, *, stderr_tail: str = "", returncode: int | None = None):
        self.stderr_tail = stderr_tail
        self.returncode = returncode
        detail = f"\n--- ffmpeg stderr (tail) ---\n{stderr_tail}" if stderr_tail else ""
        super().__init__(f"{message}{detail}")


@functools.cache
def ffmpeg_exe() -> str:
    """Absolute path of the imageio-ffmpeg binary (downloaded wheels ship it)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - dependency is in requirements.txt
        raise FFmpegError("imageio-ffmpeg is not installed") from exc
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise FFmpegError(f"imageio-ffmpeg could not locate its ffmpeg binary: {exc}") from exc


def _tail(stderr: bytes | str | None) -> str:
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return text[-_STDERR_TAIL_CHARS:].strip()


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError(
            f"ffmpeg timed out after {timeout:g}s: {' '.join(args)}", stderr_tail=_tail(exc.stderr)
        ) from exc
    except OSError as exc:
        raise FFmpegError(f"could not start ffmpeg: {exc}") from exc


def run_ffmpeg(args: list[str], *, timeout: float) -> None:
    """Run ffmpeg with ``args`` (no leading binary); raise FFmpegError on failure.

    ``-hide_banner -nostdin`` are always prepended so a stray ffmpeg never
    blocks on the worker's stdin. Pass ``-y`` yourself when overwriting.
    """
    proc = _run(list(args), timeout)
    if proc.returncode != 0:
        raise FFmpegError(
            f"ffmpeg failed with exit code {proc.returncode}",
            stderr_tail=_tail(proc.stderr),
            returncode=proc.returncode,
        )


def _hms_to_seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def probe_duration(path: str | Path, *, timeout: float = 60.0) -> float:
    """Duration of a media file in seconds, parsed from ffmpeg's own output.

    The container header ("Duration: ...") is used when present; files without
    one (raw streams, some WAVs written to a pipe) are decoded to the null muxer
    and the last reported ``time=`` is used instead.
    """
    path = Path(path)
    if not path.is_file():
        raise FFmpegError(f"cannot probe duration: {path} does not exist")
    proc = _run(["-i", str(path)], timeout)  # exits 1 ("no output file") by design
    stderr = proc.stderr.decode("utf-8", "replace")
    match = _DURATION_RE.search(stderr)
    if match:
        return _hms_to_seconds(match)
    proc = _run(["-i", str(path), "-f", "null", "-"], timeout)
    stderr = proc.stderr.decode("utf-8", "replace")
    times = list(_TIME_RE.finditer(stderr))
    if proc.returncode != 0 or not times:
        raise FFmpegError(f"could not determine the duration of {path}", stderr_tail=_tail(stderr))
    return _hms_to_seconds(times[-1])


def run_ffmpeg_for_log(args: list[str], *, timeout: float) -> str:
    """Run ffmpeg like :func:`run_ffmpeg` and return its log (stderr).

    Analysis filters (``ebur128``, ``volumedetect``) report their results only
    in the log, so callers that measure while converting need it back.
    """
    proc = _run(list(args), timeout)
    if proc.returncode != 0:
        raise FFmpegError(
            f"ffmpeg failed with exit code {proc.returncode}",
            stderr_tail=_tail(proc.stderr),
            returncode=proc.returncode,
        )
    return proc.stderr.decode("utf-8", "replace")
