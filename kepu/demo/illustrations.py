"""Drawn demo illustrations, so the demo needs no image files from elsewhere."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from media_pipeline.render.fonts import find_cjk_font


def _font(size: int) -> ImageFont.FreeTypeFont:
    return find_cjk_font().at(size)


def blood_pressure_gauge(label: str) -> bytes:
    """A dial from 60 to 200 mmHg with the 140 threshold marked."""
    image = Image.new("RGB", (1200, 800), "#f4f8fb")
    draw = ImageDraw.Draw(image)
    cx, cy, r = 600, 470, 320
    draw.arc((cx - r, cy - r, cx + r, cy + r), 180, 360, fill="#2c6e91", width=28)
    for value in range(60, 201, 20):
        angle = math.pi * (1 - (value - 60) / 140)
        x, y = cx + (r - 60) * math.cos(angle), cy - (r - 60) * math.sin(angle)
        draw.text((x, y), str(value), fill="#1b3a4b", font=_font(34), anchor="mm")
    threshold = math.pi * (1 - (140 - 60) / 140)
    draw.line(
        (cx, cy, cx + (r - 20) * math.cos(threshold), cy - (r - 20) * math.sin(threshold)), fill="#c0392b", width=10
    )
    draw.ellipse((cx - 20, cy - 20, cx + 20, cy + 20), fill="#c0392b")
    draw.text((cx, 700), label, fill="#1b3a4b", font=_font(44), anchor="mm")
    return _png(image)


def plate_diagram(label: str) -> bytes:
    """A plate split into vegetables, protein and staple food."""
    image = Image.new("RGB", (1200, 800), "#fffaf0")
    draw = ImageDraw.Draw(image)
    box = (300, 120, 900, 720)
    draw.pieslice(box, 90, 270, fill="#7cb342")
    draw.pieslice(box, 270, 360, fill="#e57373")
    draw.pieslice(box, 0, 90, fill="#ffd54f")
    draw.ellipse(box, outline="#5d4037", width=8)
    draw.text((600, 60), label, fill="#3e2723", font=_font(44), anchor="mm")
    return _png(image)


def joint_diagram(label: str) -> bytes:
    """A big-toe joint with crystals, for gout."""
    image = Image.new("RGB", (1200, 800), "#f7f3f9")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((250, 330, 650, 470), radius=70, fill="#f0c8a0", outline="#8d6e63", width=6)
    draw.rounded_rectangle((640, 340, 980, 460), radius=60, fill="#f0c8a0", outline="#8d6e63", width=6)
    draw.ellipse((570, 300, 730, 500), fill="#ef9a9a", outline="#c62828", width=6)
    for dx, dy in ((620, 380), (660, 420), (690, 370), (640, 450)):
        draw.polygon([(dx, dy - 18), (dx + 6, dy), (dx, dy + 18), (dx - 6, dy)], fill="#ffffff", outline="#90a4ae")
    draw.text((600, 680), label, fill="#4a148c", font=_font(44), anchor="mm")
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
