"""WebVTT and SRT captions: write both, read WebVTT back (the video takes the narration's cues), wrap lines.

Lines break between words (:mod:`media_pipeline.render.linebreaks`: jieba for Chinese,
spaces for English) and never leave an orphan; a cue that needs more than
:data:`MAX_CUE_LINES` lines is written as consecutive cues sharing its time in
proportion to their text, so no caption ever covers more than two lines of the
picture or stays up longer than the words it shows take to say.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cms.core.languages import language_family
from media_pipeline.render.linebreaks import balance, pieces

__all__ = [
    "Cue",
    "SubtitleError",
    "DEFAULT_MAX_LINE_CHARS",
    "wrap_caption",
    "format_vtt",
    "format_srt",
    "parse_vtt",
    "write_vtt",
    "write_srt",
]

DEFAULT_MAX_LINE_CHARS = {"zh": 16, "en": 42}
MAX_CUE_LINES = 2
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


class SubtitleError(ValueError):
    """Malformed caption file or cue."""


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float  # seconds
    text: str  # may contain "\n" line breaks

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise SubtitleError(f"cue must have 0 <= start < end, got {self.start}..{self.end} for {self.text!r}")


def _is_cjk_text(text: str) -> bool:
    visible = [ch for ch in text if not ch.isspace()]
    return bool(visible) and sum(1 for ch in visible if _CJK.match(ch)) * 2 >= len(visible)


def _display_width(token: str) -> float:
    """Full-width characters count 1, Latin letters and digits half a character."""
    return sum(1.0 if _CJK.match(ch) else 0.5 for ch in token)


_BREAK_AFTER = "，、；：。！？,;:!?）)》」』”"


def _wrap_cjk(text: str, width: int) -> list[str]:
    """Greedy wrap of whole words by display width, breaking after punctuation in the line's second
    half when there is some; closing punctuation never starts a line."""
    lines: list[str] = []
    line: list[str] = []
    for piece in pieces(text.strip()):
        if line and piece != " " and _display_width("".join(line + [piece]).strip()) > width:
            cut, running = len(line), 0.0
            for index, previous in enumerate(line, start=1):
                running += _display_width(previous)
                if previous[-1] in _BREAK_AFTER and running > width / 2:
                    cut = index
            lines.append("".join(line[:cut]).strip())
            line = line[cut:]
            while line and line[0] == " ":
                line.pop(0)
        line.append(piece)
    if "".join(line).strip():
        lines.append("".join(line).strip())
    return balance([ln for ln in lines if ln], _display_width, width)


def wrap_caption(text: str, max_line_chars: int | None = None, *, language: str | None = None) -> list[str]:
    """Split ``text`` into caption lines of at most ``max_line_chars`` characters.

    The language (and default width) is guessed from the script when not given.
    """
    text = " ".join(text.split())
    if not text:
        return []
    is_zh = language_family(language) == "zh" if language else _is_cjk_text(text)
    width = max_line_chars or DEFAULT_MAX_LINE_CHARS["zh" if is_zh else "en"]
    if width < 4:
        raise SubtitleError(f"max_line_chars must be at least 4, got {width}")
    if is_zh:
        return _wrap_cjk(text, width)
    return balance(textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False), len, width)


def _timestamp(seconds: float, decimal: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _cue_lines(cue: Cue, max_line_chars: int | None, language: str | None) -> list[str]:
    lines: list[str] = []
    for part in cue.text.split("\n"):
        lines.extend(wrap_caption(part, max_line_chars, language=language))
    if not lines:
        raise SubtitleError(f"cue at {cue.start:.3f}s has no text")
    return lines


def _screen_cues(
    cues: Sequence[Cue],
    max_line_chars: int | None,
    language: str | None,
) -> list[tuple[float, float, list[str]]]:
    """Each cue's wrapped lines, split into cues of at most MAX_CUE_LINES lines (time shared by text length)."""
    shown: list[tuple[float, float, list[str]]] = []
    for cue in cues:
        lines = _cue_lines(cue, max_line_chars, language)
        groups = [lines[i : i + MAX_CUE_LINES] for i in range(0, len(lines), MAX_CUE_LINES)]
        weights = [sum(_display_width(line) for line in group) or 1 for group in groups]
        start, total = cue.start, sum(weights)
        for number, (group, weight) in enumerate(zip(groups, weights, strict=True)):
            end = cue.end if number == len(groups) - 1 else round(start + (cue.end - cue.start) * weight / total, 3)
            shown.append((start, end, group))
            start = end
    return shown


def format_vtt(cues: Sequence[Cue], *, max_line_chars: int | None = None, language: str | None = None) -> str:
    blocks = ["WEBVTT"]
    for index, (start, end, lines) in enumerate(_screen_cues(cues, max_line_chars, language), start=1):
        blocks.append("\n".join([str(index), f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}", *lines]))
    return "\n\n".join(blocks) + "\n"


def format_srt(cues: Sequence[Cue], *, max_line_chars: int | None = None, language: str | None = None) -> str:
    blocks = []
    for index, (start, end, lines) in enumerate(_screen_cues(cues, max_line_chars, language), start=1):
        blocks.append("\n".join([str(index), f"{_timestamp(start, ',')} --> {_timestamp(end, ',')}", *lines]))
    return "\n\n".join(blocks) + "\n"


def _write(path: Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_vtt(
    cues: Sequence[Cue], path: str | Path, *, max_line_chars: int | None = None, language: str | None = None
) -> Path:
    return _write(Path(path), format_vtt(cues, max_line_chars=max_line_chars, language=language))


def write_srt(
    cues: Sequence[Cue], path: str | Path, *, max_line_chars: int | None = None, language: str | None = None
) -> Path:
    return _write(Path(path), format_srt(cues, max_line_chars=max_line_chars, language=language))


_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s+.*)?$"
)


def _parse_timestamp(value: str) -> float:
    parts = value.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def _blocks(text: str) -> Iterable[list[str]]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        if lines:
            yield lines


def parse_vtt(text: str) -> list[Cue]:
    """Cues of a WebVTT document (line breaks inside a cue kept as "\\n")."""
    cues: list[Cue] = []
    for number, lines in enumerate(_blocks(text)):
        if number == 0:
            if not lines[0].startswith("WEBVTT"):
                raise SubtitleError("a WebVTT file must start with 'WEBVTT'")
            continue
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_index = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_index is None:
            raise SubtitleError(f"cue without a timing line: {lines[0]!r}")
        match = _TIMING.match(lines[timing_index])
        if not match:
            raise SubtitleError(f"malformed timing line {lines[timing_index]!r}")
        body = "\n".join(line.strip() for line in lines[timing_index + 1 :]).strip()
        cues.append(Cue(_parse_timestamp(match["start"]), _parse_timestamp(match["end"]), body))
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise SubtitleError("a WebVTT file must start with 'WEBVTT'")
    return cues
