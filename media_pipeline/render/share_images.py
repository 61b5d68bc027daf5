"""Share images for an article (Pillow): a link-preview cover and a phone poster.

* cover, 1200×630 — the Open Graph / WeChat link-preview size;
* poster, 1080×1920 — saved to the phone and shared in chats; its QR code
  leads back to the article.

Both carry title, doctor and hospital, wrapped by measured width so long
Chinese titles stay inside the safe margins. An illustration that cannot be
decoded is skipped with a warning; the images are still produced.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageDraw

from cms.core.documents import ArticleDocument
from media_pipeline.render import palette
from media_pipeline.render.fonts import FontFace, TextBox, draw_text_block, find_cjk_font, fit_text
from media_pipeline.render.qr import InvalidShareURLError, qr_image
from media_pipeline.render.slides import IllustrationError, SlideWording, byline, load_illustration

__all__ = [
    "COVER_SIZE",
    "POSTER_SIZE",
    "ShareImages",
    "TextCanvas",
    "render_share_images",
    "safe_area",
]

COVER_SIZE = (1200, 630)
POSTER_SIZE = (1080, 1920)

_COVER_QR_PX = 200  # link previews are small; this still scans from a screen
_POSTER_QR_PX = 340


@dataclass(frozen=True)
class ShareImages:
    cover_path: Path
    poster_path: Path
    warnings: tuple[str, ...] = ()
    #: where text was drawn, per image ("cover", "poster"): the safe-area contract
    text_boxes: Mapping[str, tuple[TextBox, ...]] = field(default_factory=dict)


def safe_area(width: int, height: int) -> TextBox:
    """Margins no text may enter: 5 % of the shorter side (chat apps crop and round corners)."""
    margin = round(min(width, height) * 0.05)
    return TextBox(margin, margin, width - margin, height - margin)


# --- rendering ----------------------------------------------------------------------


class TextCanvas:
    """A picture being drawn, recording where text went (for the safe-area check).

    Also draws the clinic posters of invitation codes (distribution.joining.posters).
    """

    def __init__(
        self,
        size: tuple[int, int],
        regular: FontFace,
        bold: FontFace,
        background: tuple[int, int, int] = palette.BACKGROUND,
    ):
        self.image = Image.new("RGB", size, background)
        self.draw = ImageDraw.Draw(self.image)
        self.regular, self.bold = regular, bold
        self.boxes: list[TextBox] = []

    def text(
        self,
        text: str,
        box: TextBox,
        *,
        bold: bool = False,
        max_size: int,
        min_size: int,
        max_lines: int | None,
        fill: tuple[int, int, int],
        align: Literal["left", "center"] = "left",
        spacing: float = 1.15,
    ) -> int:
        """Draw wrapped text at the top of ``box``; return the y below it."""
        if not text.strip():
            return box.top
        fitted = fit_text(
            text,
            self.bold if bold else self.regular,
            max_width=box.right - box.left,
            max_height=box.bottom - box.top,
            max_size=max_size,
            min_size=min_size,
            max_lines=max_lines,
            spacing=spacing,
        )
        self.boxes.append(
            draw_text_block(
                self.draw, fitted, left=box.left, top=box.top, width=box.right - box.left, fill=fill, align=align
            )
        )
        return box.top + fitted.height


def _first_illustration(document: ArticleDocument, size: tuple[int, int], warnings: list[str]) -> Image.Image | None:
    for image in document.images():
        try:
            return load_illustration(image, size)
        except IllustrationError as exc:
            warnings.append(f"skipped illustration: {exc}")
    return None


def _qr(document: ArticleDocument, size: int, warnings: list[str]) -> Image.Image | None:
    try:
        return qr_image(document.share_url, size_px=size)
    except InvalidShareURLError as exc:
        warnings.append(f"no QR code on the share images: {exc}")
        return None


def _render_cover(
    document: ArticleDocument, picture: Image.Image | None, qr: Image.Image | None, wording: SlideWording
) -> TextCanvas:
    width, height = COVER_SIZE
    canvas = TextCanvas(
        COVER_SIZE, find_cjk_font("regular", document.language), find_cjk_font("bold", document.language)
    )
    safe = safe_area(width, height)
    side_w = 440
    if picture is not None:
        canvas.image.paste(picture, (width - side_w, 0))  # full-bleed picture: not text, may reach the edge
    elif qr is not None:
        canvas.draw.rectangle((width - side_w, 0, width, height), fill=(230, 242, 240))
    if qr is not None:
        card = qr.width
        x, y = width - card - safe.left, height - card - safe.top
        canvas.draw.rounded_rectangle((x - 10, y - 10, x + card + 10, y + card + 10), radius=14, fill=palette.CARD)
        canvas.image.paste(qr, (x, y))
    column = TextBox(safe.left, safe.top, width - side_w - 40, safe.bottom)
    y = canvas.text(wording.title, column, bold=True, max_size=28, min_size=22, max_lines=1, fill=palette.ACCENT)
    y += 24
    title_box = TextBox(column.left, y, column.right, column.bottom - 130)
    y = canvas.text(document.title, title_box, bold=True, max_size=60, min_size=36, max_lines=4, fill=palette.INK)
    canvas.draw.rectangle((column.left, y + 22, column.left + 90, y + 28), fill=palette.ACCENT)
    y += 52
    y = canvas.text(
        byline(document),
        TextBox(column.left, y, column.right, column.bottom),
        max_size=32,
        min_size=24,
        max_lines=1,
        fill=palette.INK,
    )
    canvas.text(
        document.hospital,
        TextBox(column.left, y + 8, column.right, column.bottom),
        max_size=28,
        min_size=22,
        max_lines=2,
        fill=palette.MUTED,
    )
    return canvas


def _render_poster(
    document: ArticleDocument, picture: Image.Image | None, qr: Image.Image | None, wording: SlideWording
) -> TextCanvas:
    width, height = POSTER_SIZE
    canvas = TextCanvas(
        POSTER_SIZE, find_cjk_font("regular", document.language), find_cjk_font("bold", document.language)
    )
    safe = safe_area(width, height)
    y = safe.top
    if picture is not None:
        canvas.image.paste(picture, (0, 0))  # full-bleed hero picture
        y = picture.height + 56
    else:
        canvas.draw.rectangle((0, 0, width, 24), fill=palette.ACCENT)
        y += 80
    y = canvas.text(
        wording.title,
        TextBox(safe.left, y, safe.right, safe.bottom),
        bold=True,
        max_size=40,
        min_size=30,
        max_lines=1,
        fill=palette.ACCENT,
    )
    y += 32
    qr_size = qr.width if qr is not None else 0
    footer_h = qr_size + 210
    byline_reserve = 190
    y = canvas.text(
        document.title,
        TextBox(safe.left, y, safe.right, safe.bottom - footer_h - byline_reserve),
        bold=True,
        max_size=88,
        min_size=52,
        max_lines=5,
        fill=palette.INK,
    )
    canvas.draw.rectangle((safe.left, y + 30, safe.left + 120, y + 38), fill=palette.ACCENT)
    y += 76
    y = canvas.text(
        byline(document),
        TextBox(safe.left, y, safe.right, safe.bottom - footer_h - 24),
        max_size=46,
        min_size=34,
        max_lines=1,
        fill=palette.INK,
    )
    canvas.text(
        document.hospital,
        TextBox(safe.left, y + 12, safe.right, safe.bottom - footer_h - 24),
        max_size=40,
        min_size=30,
        max_lines=1,
        fill=palette.MUTED,
    )

    footer_top = safe.bottom - footer_h
    canvas.draw.rounded_rectangle((safe.left, footer_top, safe.right, safe.bottom), radius=28, fill=palette.CARD)
    inner = TextBox(safe.left + 40, footer_top + 40, safe.right - 40, safe.bottom - 40)
    if qr is not None:
        qx = (width - qr_size) // 2
        canvas.image.paste(qr, (qx, inner.top))
        caption_top = inner.top + qr_size + 16
        caption_top = canvas.text(
            wording.scan,
            TextBox(inner.left, caption_top, inner.right, inner.bottom),
            max_size=36,
            min_size=28,
            max_lines=1,
            fill=palette.MUTED,
            align="center",
        )
        ask_top = caption_top + 20
    else:
        ask_top = inner.top + (inner.bottom - inner.top) // 2 - 40
    canvas.text(
        wording.ask_your_doctor,
        TextBox(inner.left, ask_top, inner.right, inner.bottom),
        bold=True,
        max_size=44,
        min_size=32,
        max_lines=2,
        fill=palette.INK,
        align="center",
    )
    return canvas


def _save_atomically(image: Image.Image, path: Path, **params: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    try:
        image.save(tmp, **params)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def render_share_images(
    document: ArticleDocument, out_dir: str | Path, *, basename: str = "share", wording: SlideWording | None = None
) -> ShareImages:
    """Write ``{basename}-cover.png`` (1200×630) and ``{basename}-poster.png`` (1080×1920).

    The first decodable illustration is used as the picture; unreadable ones
    and a missing/invalid share URL are reported in ``warnings``. ``wording``:
    the fixed words in the article's language (as on the slides).
    """
    wording = wording or SlideWording()
    if not document.title.strip():
        raise ValueError("an article without a title cannot have share images")
    out_dir = Path(out_dir)
    warnings: list[str] = []
    cover_picture = _first_illustration(document, (440, COVER_SIZE[1]), warnings)
    poster_picture = _first_illustration(document, (POSTER_SIZE[0], 600), []) if cover_picture else None
    cover_qr = _qr(document, _COVER_QR_PX, warnings)
    poster_qr = _qr(document, _POSTER_QR_PX, []) if cover_qr is not None else None
    cover = _render_cover(document, cover_picture, cover_qr, wording)
    poster = _render_poster(document, poster_picture, poster_qr, wording)
    return ShareImages(
        cover_path=_save_atomically(cover.image, out_dir / f"{basename}-cover.png", format="PNG", optimize=True),
        poster_path=_save_atomically(poster.image, out_dir / f"{basename}-poster.png", format="PNG", optimize=True),
        warnings=tuple(dict.fromkeys(warnings)),
        text_boxes={"cover": tuple(cover.boxes), "poster": tuple(poster.boxes)},
    )
