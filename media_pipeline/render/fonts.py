"""Finding a CJK-capable font and laying text out with it.

Every rendered artefact (slides, burned-in captions, share images) must show
Chinese, so the pipeline refuses to fall back to a Latin-only font: a missing
CJK font raises :class:`MissingFontError` instead of producing tofu boxes.

Chinese has no spaces, so wrapping works on *measured pixel widths*: every Han
character is a break opportunity, Latin words stay whole, and line-start /
line-end punctuation rules (kinsoku) keep "，" off the start of a line and
"（" off its end.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import ImageDraw, ImageFont

from media_pipeline.render.linebreaks import balance, pieces

__all__ = [
    "FittedText",
    "FontFace",
    "MissingFontError",
    "TextBox",
    "draw_text_block",
    "find_cjk_font",
    "fit_text",
    "wrap_text",
]

Weight = Literal["regular", "bold"]

#: Environment variable an operator can point at a font file (.ttc/.otf/.ttf)
#: when the host keeps its CJK fonts somewhere unusual.
FONT_ENV_VAR = "KEPU_CJK_FONT"

# Where common distributions install Noto CJK / Source Han (regular, bold).
_KNOWN_FONT_FILES: dict[Weight, tuple[str, ...]] = {
    "regular": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
        "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",  # Alpine
        "/usr/share/fonts/adobe-source-han-sans/SourceHanSans.ttc",
    ),
    "bold": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf",
        "/usr/share/fonts/noto/NotoSansCJK-Bold.ttc",
    ),
}

# A .ttc holds one face per region; Simplified Chinese glyph shapes first.
_REGION_BY_LANGUAGE = {"zh-hant": "TC", "zh-tw": "TC", "zh-hk": "HK", "ja": "JP", "ko": "KR"}
_DEFAULT_REGION = "SC"
_MAX_FACES_PER_COLLECTION = 32
_PROBE_TEXT = "健康科普"


class MissingFontError(RuntimeError):
    """No font able to render Chinese was found on this machine."""


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: what Pillow (path + index) and libass (family) need."""

    path: Path
    index: int
    family: str

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        """The face as a Pillow font at ``size`` pixels (em size), cached."""
        return _load(self.path, self.index, int(size))


@functools.lru_cache(maxsize=256)
def _load(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index, layout_engine=ImageFont.Layout.BASIC)


def _region_for(language: str) -> str:
    return _REGION_BY_LANGUAGE.get(language.lower(), _DEFAULT_REGION)


def _renders_cjk(font: ImageFont.FreeTypeFont) -> bool:
    """True if the font has real glyphs for Han characters (not .notdef boxes)."""
    masks = {bytes(font.getmask(char)) for char in _PROBE_TEXT}
    return len(masks) == len(_PROBE_TEXT)


def _pick_face(path: Path, region: str) -> FontFace | None:
    """The best CJK face in a font file: the wanted region, proportional (not Mono)."""
    candidates: list[tuple[int, FontFace]] = []
    for index in range(_MAX_FACES_PER_COLLECTION):
        try:
            font = ImageFont.truetype(str(path), 32, index=index)
        except OSError:
            break  # past the last face of the collection (or not a font at all)
        family = font.getname()[0] or path.stem
        if not _renders_cjk(font):
            continue
        rank = (0 if family.endswith(f" {region}") else 2) + (1 if "Mono" in family else 0)
        candidates.append((rank, FontFace(path=path, index=index, family=family)))
    if not candidates:
        return None
    return min(candidates, key=lambda pair: pair[0])[1]


def _fontconfig_files() -> list[Path]:
    """Font files fontconfig says support Chinese (empty if fc-list is absent)."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    try:
        proc = subprocess.run([fc_list, ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    files = {line.split(":")[0].strip() for line in proc.stdout.splitlines() if line.strip()}
    return [Path(name) for name in sorted(files)]


def _candidate_files(weight: Weight) -> Iterator[Path]:
    """Font files to try, cheapest first; fontconfig is only asked if needed."""
    override = os.environ.get(FONT_ENV_VAR, "").strip()
    if override:
        yield Path(override)
    yield from (Path(name) for name in _KNOWN_FONT_FILES[weight])
    fc_files = _fontconfig_files()
    yield from (f for f in fc_files if weight in f.name.lower())
    if weight == "regular":
        yield from (f for f in fc_files if "bold" not in f.name.lower())


@functools.cache
def find_cjk_font(
    weight: Weight = "regular",
    language: str = "zh-hans",
    *,
    only_files: tuple[Path, ...] | None = None,
) -> FontFace:
    """Locate a font face that renders Chinese, or raise MissingFontError.

    Order: the ``KEPU_CJK_FONT`` environment variable, the paths where
    distributions install Noto Sans CJK, then fontconfig (``fc-list :lang=zh-cn``),
    preferring a file whose name matches ``weight``. Bold falls back to regular
    (bold is decoration; a missing bold file must not stop a render).
    ``only_files`` replaces the whole search (for hosts with a vetted font).
    """
    region = _region_for(language)
    tried: list[Path] = []
    for path in only_files if only_files is not None else _candidate_files(weight):
        if path in tried or not path.is_file():
            continue
        tried.append(path)
        face = _pick_face(path, region)
        if face is not None:
            return face
    if weight == "bold":
        return find_cjk_font("regular", language, only_files=only_files)
    raise MissingFontError(
        "No font that can render Chinese was found. Install Noto Sans CJK "
        "(Debian: `apt-get install fonts-noto-cjk`) or set "
        f"{FONT_ENV_VAR}=/path/to/font.ttc. Looked at: "
        + (", ".join(str(p) for p in tried) or "no font file exists (fc-list found none)")
    )


# --- wrapping (break points: media_pipeline.render.linebreaks) ---------------------------


def _atoms(text: str) -> list[str]:
    """Unbreakable pieces: words (jieba for Chinese), Latin words and numbers, single spaces."""
    return pieces(text)


def _split_to_width(atom: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Hard-break a single over-long piece (a URL, a long number) by characters."""
    pieces: list[str] = []
    current = ""
    for char in atom:
        if current and font.getlength(current + char) > max_width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Greedy line breaking by measured width; explicit newlines are kept.

    Every returned line measures at most ``max_width`` pixels with ``font``
    (except a single glyph wider than the box, which cannot be split).
    """
    if max_width <= 0:
        raise ValueError(f"max_width must be positive, got {max_width}")
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        block: list[str] = []
        _wrap_paragraph(paragraph, font, max_width, block)
        lines.extend(balance(block, font.getlength, max_width))
    return lines


def _wrap_paragraph(paragraph: str, font: ImageFont.FreeTypeFont, max_width: float, lines: list[str]) -> None:
    current = ""
    for atom in _atoms(paragraph.strip()):
        if atom == " ":
            if current:
                current += " "
            continue
        candidate = current + atom
        if font.getlength(candidate.rstrip()) <= max_width:
            current = candidate
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = ""
        if font.getlength(atom) <= max_width:
            current = atom
        else:
            *full, current = _split_to_width(atom, font, max_width)
            lines.extend(full)
    if current.strip():
        lines.append(current.rstrip())


@dataclass(frozen=True)
class FittedText:
    """Text wrapped and sized to fit a box."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    size: int
    line_height: int
    truncated: bool

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)

    @property
    def width(self) -> int:
        return max((round(self.font.getlength(line)) for line in self.lines), default=0)


def _line_height(font: ImageFont.FreeTypeFont, spacing: float) -> int:
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * spacing)


def _truncate(line: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    ellipsis = "…"
    while line and font.getlength(line + ellipsis) > max_width:
        line = line[:-1]
    return line.rstrip(" ，、,") + ellipsis


def fit_text(
    text: str,
    face: FontFace,
    *,
    max_width: int,
    max_height: int,
    max_size: int,
    min_size: int,
    max_lines: int | None = None,
    spacing: float = 1.15,
) -> FittedText:
    """The largest font size (≤ max_size) at which ``text`` fits the box.

    Shrinks in ~6 % steps down to ``min_size``; if it still does not fit, the
    text is cut at the last fitting line with an ellipsis (``truncated=True``),
    so a 200-character title degrades gracefully instead of overflowing.
    """
    if min_size <= 0 or max_size < min_size:
        raise ValueError(f"invalid font size range {min_size}..{max_size}")
    size = max_size
    while True:
        font = face.at(size)
        line_height = _line_height(font, spacing)
        lines = wrap_text(text, font, max_width)
        allowed = max(1, max_height // line_height)
        if max_lines is not None:
            allowed = min(allowed, max_lines)
        if len(lines) <= allowed:
            return FittedText(tuple(lines), font, size, line_height, truncated=False)
        if size == min_size:
            kept = lines[:allowed]
            kept[-1] = _truncate(kept[-1], font, max_width)
            return FittedText(tuple(kept), font, size, line_height, truncated=True)
        size = max(min_size, min(size - 1, int(size * 0.94)))


@dataclass(frozen=True)
class TextBox:
    """Pixel bounding box (left, top, right, bottom) of drawn text."""

    left: int
    top: int
    right: int
    bottom: int

    def inside(self, other: TextBox) -> bool:
        return (
            self.left >= other.left
            and self.top >= other.top
            and self.right <= other.right
            and self.bottom <= other.bottom
        )


def draw_text_block(
    draw: ImageDraw.ImageDraw,
    fitted: FittedText,
    *,
    left: int,
    top: int,
    width: int,
    fill: str | tuple[int, ...],
    align: Literal["left", "center"] = "left",
) -> TextBox:
    """Draw fitted lines into the column [left, left+width]; return the inked box."""
    boxes: list[tuple[float, float, float, float]] = []  # a centred line starts at half pixels
    ascent, _ = fitted.font.getmetrics()
    for number, line in enumerate(fitted.lines):
        line_width = fitted.font.getlength(line)
        x = left + (width - line_width) / 2 if align == "center" else left
        y = top + number * fitted.line_height + ascent
        draw.text((x, y), line, font=fitted.font, fill=fill, anchor="ls")
        boxes.append(draw.textbbox((x, y), line, font=fitted.font, anchor="ls"))
    if not boxes:
        return TextBox(left, top, left, top)
    return TextBox(
        left=math.floor(min(b[0] for b in boxes)),
        top=math.floor(min(b[1] for b in boxes)),
        right=math.ceil(max(b[2] for b in boxes)),
        bottom=math.ceil(max(b[3] for b in boxes)),
    )
