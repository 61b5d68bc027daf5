"""QR codes for an article's share link (end cards, share images, reading page).

One encoder (segno) and one place that enforces what makes a printed or
on-screen code scannable: an absolute http(s) URL, medium error correction and
a quiet zone of at least four modules (ISO/IEC 18004 requires four).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import segno
from PIL import Image

__all__ = [
    "MIN_QUIET_ZONE",
    "InvalidShareURLError",
    "make_qr",
    "qr_image",
]

MIN_QUIET_ZONE = 4  # modules
_DARK = (0, 0, 0)
_LIGHT = (255, 255, 255)


class InvalidShareURLError(ValueError):
    """The share URL cannot go into a QR code (empty, relative or not http(s))."""


def make_qr(url: str) -> segno.QRCode:
    """Encode ``url``; a phone camera can only open absolute http(s) links."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidShareURLError("the article has no share URL to encode")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidShareURLError(f"share URL must be an absolute http(s) URL, got {url!r}")
    # error="m" + boost_error: the highest correction level that fits the same size.
    return segno.make(url, error="m", boost_error=True, micro=False)


def _check_border(border: int) -> None:
    if border < MIN_QUIET_ZONE:
        raise ValueError(f"QR quiet zone must be at least {MIN_QUIET_ZONE} modules, got {border}")


def qr_image(
    url: str,
    *,
    size_px: int,
    border: int = MIN_QUIET_ZONE,
    dark: tuple[int, int, int] = _DARK,
    light: tuple[int, int, int] = _LIGHT,
) -> Image.Image:
    """An RGB image exactly ``size_px`` square with crisp, whole-pixel modules.

    Modules are scaled by an integer factor (no blurry resampling); leftover
    pixels widen the light margin, so the quiet zone is never below ``border``.
    """
    _check_border(border)
    code = make_qr(url)
    modules = len(code.matrix)
    total = modules + 2 * border
    scale = size_px // total
    if scale < 1:
        raise ValueError(f"{size_px}px is too small for a {total}-module QR code")
    bits = Image.new("L", (modules, modules))
    bits.putdata([255 if cell else 0 for row in code.matrix for cell in row])
    symbol = bits.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    canvas = Image.new("RGB", (size_px, size_px), light)
    offset = (size_px - modules * scale) // 2
    canvas.paste(Image.new("RGB", symbol.size, dark), (offset, offset), mask=symbol)
    return canvas
