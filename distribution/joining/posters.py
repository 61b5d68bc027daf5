"""The clinic poster of an invitation code (扫码报到): A4 or A5 at 300 dpi, as PDF and PNG.

Drawn with Pillow and the studio's CJK font, with the text layout of the share
images (media_pipeline.render.fonts, media_pipeline.render.share_images.TextCanvas). The
studio's font, Noto Sans CJK, has CFF outlines, which reportlab cannot embed,
so a vector PDF would have to rely on a font the print shop may not have; a
300 dpi page is what print shops ask for, and it is the same picture in the
PNG and in the PDF.

The QR code is drawn with whole-pixel modules of at least ``MIN_MODULE_MM``.
This module is Django-free: the admin view passes the words, already
translated, in :class:`PosterWording`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw

from cms.core.documents import DocumentImage
from media_pipeline.render import palette
from media_pipeline.render.fonts import TextBox, find_cjk_font, fit_text
from media_pipeline.render.qr import MIN_QUIET_ZONE, make_qr, qr_image
from media_pipeline.render.share_images import TextCanvas
from media_pipeline.render.slides import IllustrationError, load_illustration

__all__ = [
    "DPI",
    "MIN_MODULE_MM",
    "PAPER_MM",
    "Poster",
    "PosterDoctor",
    "PosterError",
    "PosterWording",
    "poster_pdf",
    "poster_png",
    "render_poster",
]

Paper = Literal["a4", "a5"]
PAPER_MM: dict[str, tuple[int, int]] = {"a4": (210, 297), "a5": (148, 210)}
DPI = 300
#: A phone reads a wall poster from its camera preview (about 1920 px across a
#: ~70° view): at 1 m that is ~1.4 px per mm, and decoders want 3 px or more per
#: module, so 2.5 mm modules (≈3.4 px) scan from 1 m.
MIN_MODULE_MM = 2.5

_PLACEHOLDER = (203, 214, 224)


class PosterError(ValueError):
    """The poster cannot be made (e.g. the join link needs a QR code too dense to print large enough)."""


@dataclass(frozen=True)
class PosterDoctor:
    name: str
    title: str = ""
    department: str = ""
    hospital: str = ""


@dataclass(frozen=True)
class PosterWording:
    """Every word on the poster, in the poster's language."""

    headline: str  # 扫码报到
    subline: str
    code_name: str
    receive_heading: str
    receive_lines: tuple[str, ...]
    steps_heading: str
    steps: tuple[str, ...]
    footer: str


@dataclass(frozen=True)
class Poster:
    image: Image.Image
    paper: str
    qr_modules: int  # modules across the symbol, without the quiet zone
    qr_module_px: int

    @property
    def qr_module_mm(self) -> float:
        return self.qr_module_px * 25.4 / DPI

    @property
    def qr_symbol_mm(self) -> float:
        return self.qr_modules * self.qr_module_mm


@dataclass(frozen=True)
class _Layout:
    """Sizes in millimetres, font sizes in points (A5 is not A4 scaled: its QR code keeps 2.5 mm modules)."""

    margin: float
    band: float  # height of the coloured headline band
    photo: float
    qr_box: float  # the widest the QR code (with its quiet zone) may be
    headline_pt: float
    subline_pt: float
    name_pt: float
    detail_pt: float
    caption_pt: float
    heading_pt: float
    body_pt: float
    footer_pt: float


_LAYOUTS = {
    "a4": _Layout(
        margin=12,
        band=44,
        photo=36,
        qr_box=110,
        headline_pt=56,
        subline_pt=16,
        name_pt=28,
        detail_pt=15,
        caption_pt=20,
        heading_pt=16,
        body_pt=12.5,
        footer_pt=10,
    ),
    "a5": _Layout(
        margin=7,
        band=24,
        photo=20,
        qr_box=106,
        headline_pt=32,
        subline_pt=9,
        name_pt=17,
        detail_pt=9,
        caption_pt=11,
        heading_pt=9.5,
        body_pt=7.5,
        footer_pt=6.5,
    ),
}
_BODY_SPACING = 1.05


def _px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def _pt(points: float) -> int:
    return round(points * DPI / 72)


def _round_mask(size: int) -> Image.Image:
    """A circle with smooth edges (drawn at 4× and reduced)."""
    big = Image.new("L", (size * 4, size * 4), 0)
    ImageDraw.Draw(big).ellipse((0, 0, size * 4 - 1, size * 4 - 1), fill=255)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _placeholder_photo(size: int) -> Image.Image:
    """A neutral head-and-shoulders silhouette for a doctor without a photo."""
    scale = 4
    big = Image.new("RGB", (size * scale, size * scale), palette.ACCENT_LIGHT)
    draw = ImageDraw.Draw(big)
    s = size * scale
    draw.ellipse((s * 0.33, s * 0.18, s * 0.67, s * 0.52), fill=_PLACEHOLDER)
    draw.ellipse((s * 0.14, s * 0.58, s * 0.86, s * 1.25), fill=_PLACEHOLDER)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _photo(photo: DocumentImage | None, size: int) -> Image.Image:
    if photo is not None:
        try:
            return load_illustration(photo, (size, size))
        except IllustrationError:
            pass  # an unreadable photo must not stop the poster: the placeholder stands in
    return _placeholder_photo(size)


def _qr(join_url: str, box_px: int) -> tuple[Image.Image, int, int]:
    """The QR image, its module count and module size in px (≥ MIN_MODULE_MM, as large as the box allows)."""
    modules = len(make_qr(join_url).matrix)
    total = modules + 2 * MIN_QUIET_ZONE
    module_px = max(box_px // total, math.ceil(MIN_MODULE_MM * DPI / 25.4))
    if module_px * total > box_px:
        raise PosterError(
            f"the join link needs a {modules}-module QR code; at {MIN_MODULE_MM} mm a module it does not fit "
            f"the {box_px * 25.4 / DPI:.0f} mm the poster has for it (shorten KEPU_PUBLIC_BASE_URL)"
        )
    return qr_image(join_url, size_px=module_px * total), modules, module_px


def render_poster(
    *,
    paper: Paper,
    join_url: str,
    doctor: PosterDoctor,
    wording: PosterWording,
    photo: DocumentImage | None = None,
    language: str = "zh-hans",
) -> Poster:
    """Draw the page: headline band, the doctor, the QR code and its name, what the patient receives, the steps."""
    if paper not in _LAYOUTS:
        raise PosterError(f"unknown paper size {paper!r}")
    lay = _LAYOUTS[paper]
    width, height = (_px(side) for side in PAPER_MM[paper])
    margin, gap = _px(lay.margin), _px(lay.margin * 0.4)
    canvas = TextCanvas(
        (width, height), find_cjk_font("regular", language), find_cjk_font("bold", language), background=palette.CARD
    )
    draw = canvas.draw
    qr, modules, module_px = _qr(join_url, _px(lay.qr_box))

    band = _px(lay.band)
    draw.rectangle((0, 0, width, band), fill=palette.ACCENT)
    y = canvas.text(
        wording.headline,
        TextBox(margin, _px(lay.band * 0.06), width - margin, band),
        bold=True,
        max_size=_pt(lay.headline_pt),
        min_size=_pt(lay.headline_pt * 0.6),
        max_lines=1,
        fill=palette.CARD,
        align="center",
        spacing=1.0,
    )
    canvas.text(
        wording.subline,
        TextBox(margin, y, width - margin, band),
        max_size=_pt(lay.subline_pt),
        min_size=_pt(lay.subline_pt * 0.7),
        max_lines=1,
        fill=palette.CARD,
        align="center",
        spacing=1.0,
    )

    # The doctor: round photo; name, title, department and hospital beside it.
    photo_px = _px(lay.photo)
    top = band + gap + _px(lay.margin * 0.2)
    canvas.image.paste(_photo(photo, photo_px), (margin, top), _round_mask(photo_px))
    draw.ellipse((margin, top, margin + photo_px, top + photo_px), outline=palette.ACCENT, width=max(3, _px(0.5)))
    column = TextBox(margin + photo_px + gap, top, width - margin, top + photo_px)
    y = canvas.text(
        doctor.name,
        TextBox(column.left, top + _px(lay.photo * 0.06), column.right, column.bottom),
        bold=True,
        max_size=_pt(lay.name_pt),
        min_size=_pt(lay.name_pt * 0.6),
        max_lines=1,
        fill=palette.INK,
        spacing=1.0,
    )
    y = canvas.text(
        doctor.title,
        TextBox(column.left, y, column.right, column.bottom),
        max_size=_pt(lay.detail_pt),
        min_size=_pt(lay.detail_pt * 0.7),
        max_lines=1,
        fill=palette.ACCENT,
        spacing=1.0,
    )
    details = " · ".join(part for part in (doctor.department, doctor.hospital) if part)
    canvas.text(
        details,
        TextBox(column.left, y, column.right, column.bottom),
        max_size=_pt(lay.detail_pt),
        min_size=_pt(lay.detail_pt * 0.6),
        max_lines=2,
        fill=palette.MUTED,
        spacing=1.0,
    )

    # The QR code in a thin frame, the code's name under it.
    pad = _px(1.5)
    qr_top = top + photo_px + gap + pad
    qx = (width - qr.width) // 2
    draw.rounded_rectangle(
        (qx - pad, qr_top - pad, qx + qr.width + pad, qr_top + qr.height + pad),
        radius=_px(3),
        outline=palette.ACCENT,
        width=max(3, _px(0.5)),
    )
    canvas.image.paste(qr, (qx, qr_top))
    y = canvas.text(
        wording.code_name,
        TextBox(margin, qr_top + qr.height + pad * 2, width - margin, height),
        bold=True,
        max_size=_pt(lay.caption_pt),
        min_size=_pt(lay.caption_pt * 0.7),
        max_lines=1,
        fill=palette.INK,
        align="center",
        spacing=1.0,
    )

    # What the patient receives | the steps; the footer line at the bottom.
    footer_h = round(_pt(lay.footer_pt) * 1.6)
    footer_top = height - margin - footer_h
    info = TextBox(margin, y + gap, width - margin, footer_top - gap)
    half = (info.right - info.left - gap) // 2
    left = TextBox(info.left, info.top, info.left + half, info.bottom)
    draw.rounded_rectangle((left.left, left.top, left.right, left.bottom), radius=_px(2.5), fill=palette.ACCENT_LIGHT)
    _column(
        canvas,
        wording.receive_heading,
        wording.receive_lines,
        TextBox(left.left + pad, left.top + pad, left.right - pad, left.bottom - pad),
        lay,
        numbered=False,
    )
    _column(
        canvas,
        wording.steps_heading,
        wording.steps,
        TextBox(left.right + gap, info.top + pad, info.right, info.bottom),
        lay,
        numbered=True,
    )
    draw.line((margin, footer_top, width - margin, footer_top), fill=_PLACEHOLDER, width=max(2, _px(0.3)))
    canvas.text(
        wording.footer,
        TextBox(margin, footer_top + round(footer_h * 0.2), width - margin, height - margin),
        max_size=_pt(lay.footer_pt),
        min_size=_pt(lay.footer_pt * 0.8),
        max_lines=1,
        fill=palette.MUTED,
        align="center",
        spacing=1.0,
    )
    return Poster(image=canvas.image, paper=paper, qr_modules=modules, qr_module_px=module_px)


def _column(
    canvas: TextCanvas, heading: str, paragraphs: tuple[str, ...], box: TextBox, lay: _Layout, *, numbered: bool
) -> None:
    """A heading and its paragraphs at the largest size (≤ the layout's) at which all of them fit the box."""
    y = canvas.text(
        heading,
        box,
        bold=True,
        max_size=_pt(lay.heading_pt),
        min_size=_pt(lay.heading_pt * 0.7),
        max_lines=1,
        fill=palette.ACCENT,
        spacing=1.0,
    )
    size = _pt(lay.body_pt)
    floor = round(size * 0.7)
    while True:
        indent = round(size * 1.5) if numbered else 0
        gap = round(size * 0.5)
        fitted = [
            fit_text(
                text,
                canvas.regular,
                max_width=box.right - box.left - indent,
                max_height=box.bottom,
                max_size=size,
                min_size=size,
                spacing=_BODY_SPACING,
            )
            for text in paragraphs
        ]
        if size <= floor or y + sum(item.height + gap for item in fitted) <= box.bottom:
            break
        size -= 1
    for number, text in enumerate(paragraphs, start=1):
        y += gap
        if numbered:
            disc = round(size * 1.15)
            canvas.draw.ellipse(
                (box.left, y + round(size * 0.12), box.left + disc, y + round(size * 0.12) + disc), fill=palette.ACCENT
            )
            canvas.text(
                str(number),
                TextBox(box.left, y + round(size * 0.2), box.left + disc, y + 2 * disc),
                bold=True,
                max_size=round(size * 0.85),
                min_size=round(size * 0.5),
                max_lines=1,
                fill=palette.CARD,
                align="center",
                spacing=1.0,
            )
        y = canvas.text(
            text,
            TextBox(box.left + indent, y, box.right, box.bottom),
            max_size=size,
            min_size=size,
            max_lines=None,
            fill=palette.INK,
            spacing=_BODY_SPACING,
        )


def poster_png(poster: Poster) -> bytes:
    """The page as a PNG marked 300 dpi (print shops read the size from it)."""
    out = io.BytesIO()
    poster.image.save(out, format="PNG", dpi=(DPI, DPI), compress_level=6)
    return out.getvalue()


def poster_pdf(poster: Poster, *, title: str = "") -> bytes:
    """One page, A4 or A5 exactly (the image at 300 dpi), JPEG at quality 95 without chroma subsampling."""
    out = io.BytesIO()
    poster.image.save(
        out, format="PDF", resolution=float(DPI), quality=95, subsampling=0, title=title, author="Kepu Studio"
    )
    return out.getvalue()
