"""Reading the SubRip files the pipeline writes back into cues, to check them (the product only writes SRT)."""

from __future__ import annotations

import re

from media_pipeline.render.subtitles import Cue

_TIMING = re.compile(r"^(\d+):(\d{2}):(\d{2}),(\d{3}) --> (\d+):(\d{2}):(\d{2}),(\d{3})$")


def _seconds(hours: str, minutes: str, seconds: str, millis: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(f"{seconds}.{millis}")  # as parse_vtt reads WebVTT times


def parse_srt(text: str) -> list[Cue]:
    """Cues of a SubRip document: number, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, text (line breaks kept as "\\n")."""
    cues = []
    for block in re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        match = _TIMING.match(lines[1].strip()) if len(lines) > 1 and lines[0].strip().isdigit() else None
        if match is None:
            raise ValueError(f"not a SubRip cue: {block!r}")
        cues.append(
            Cue(
                _seconds(*match.groups()[:4]),
                _seconds(*match.groups()[4:]),
                "\n".join(line.strip() for line in lines[2:]).strip(),
            )
        )
    return cues
