"""Composed illustrations for the topics doctors write about most, drawn from Health Icons and shapes.

Each picture is labelled in Chinese first and English second, follows a named Chinese guideline, and is
drawn at 1200×800 (the article picture size; slides crop a 3:2 picture without losing the labels).
The layouts are plain functions of a spec, so the pictures can be redrawn whenever the wording changes.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from cms.illustrations.healthicons import HealthIcon, load_icons

from .fonts import find_cjk_font

SIZE = (1200, 800)
PAPER = "#f4f8fb"
CARD = "#ffffff"
INK = "#1b3a4b"
TEAL = "#1b5e7a"
MUTED = "#51636e"
ACCENT = "#c0392b"
DRAWING_VERSION = 2  # raise when a layout changes, so `compose_illustrations` redraws every picture
ATTRIBUTION = "科普工作室 Kepu Studio · CC BY 4.0 · 图标 icons: Health Icons (Resolve to Save Lives, MIT)"


@dataclass(frozen=True)
class Step:
    icon: str  # a Health Icons name
    zh: str
    en: str


@dataclass(frozen=True)
class ComposedSpec:
    key: str
    title_zh: str
    title_en: str
    guideline: str  # the Chinese guideline or consensus the advice follows
    topic_tags: tuple[str, ...]  # zh and en
    body_system: str  # a BodySystem key
    steps: tuple[Step, ...]
    layout: str = "steps"  # steps | plate | injection_sites
    numbered: bool = True  # False when the captions carry their own numbers (中风 1-2-0)

    def fingerprint(self) -> str:
        content = json.dumps([DRAWING_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()[:10]

    def alt_text(self) -> str:
        zh = "；".join(step.zh for step in self.steps)
        en = "; ".join(step.en for step in self.steps)
        return f"{self.title_zh}：{zh}。 / {self.title_en}: {en}."[:255]


class Painter:
    """Fonts and icons for one run (loading them once is most of the cost)."""

    def __init__(self, icons_folder: Path, needed: set[str]):
        self.icons: dict[str, HealthIcon] = {icon.name: icon for icon in load_icons(icons_folder, names=needed)}
        self.regular = find_cjk_font("regular")
        self.bold = find_cjk_font("bold")

    def font(self, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
        return (self.bold if bold else self.regular).at(size)

    def icon(self, name: str, pixels: int, ink: str = TEAL) -> Image.Image | None:
        icon = self.icons.get(name)
        if icon is None:
            return None
        return Image.open(io.BytesIO(icon.png(pixels=pixels, ink=ink, paper=None))).convert("RGBA")


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines that fit ``width``: Chinese breaks between characters, English between words."""
    words = text.split(" ") if text.isascii() else list(text)
    joiner = " " if text.isascii() else ""
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line}{joiner}{word}" if line else word
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    # Chinese punctuation never starts a line.
    for index in range(1, len(lines)):
        while lines[index] and lines[index][0] in "，。、；：！？）」":
            lines[index - 1] += lines[index][0]
            lines[index] = lines[index][1:]
    return [line for line in lines if line]


def _text_block(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    font: ImageFont.FreeTypeFont,
    width: int,
    fill: str | tuple[int, int, int],
    *,
    line_gap: float = 1.25,
    max_lines: int = 3,
    anchor_centre: bool = True,
) -> int:
    x, y = xy
    size = int(font.size)
    for line in _wrap(draw, text, font, width)[:max_lines]:
        if anchor_centre:
            draw.text((x, y), line, font=font, fill=fill, anchor="ma")
        else:
            draw.text((x, y), line, font=font, fill=fill)
        y += int(size * line_gap)
    return y


def _frame(painter: Painter, spec: ComposedSpec) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 14), fill=TEAL)
    draw.text((60, 48), spec.title_zh, font=painter.font(54, bold=True), fill=INK)
    draw.text((62, 118), spec.title_en, font=painter.font(30), fill=MUTED)
    footer = painter.font(17)
    draw.text((60, SIZE[1] - 58), f"依据 Based on: {spec.guideline}", font=footer, fill=MUTED)
    draw.text((60, SIZE[1] - 32), ATTRIBUTION, font=footer, fill=MUTED)
    return image, draw


def _paste_icon(
    image: Image.Image, painter: Painter, name: str, centre: tuple[int, int], pixels: int, ink: str = TEAL
) -> None:
    icon = painter.icon(name, pixels, ink)
    if icon is not None:
        image.paste(icon, (centre[0] - pixels // 2, centre[1] - pixels // 2), icon)


def draw_steps(painter: Painter, spec: ComposedSpec) -> Image.Image:
    """Three or four numbered cards: icon, Chinese caption, English caption."""
    image, draw = _frame(painter, spec)
    count = len(spec.steps)
    margin, gap, top, bottom = 60, 28, 180, SIZE[1] - 80
    width = (SIZE[0] - 2 * margin - gap * (count - 1)) // count
    zh_font, en_font, number_font = (
        painter.font(32 if count <= 3 else 29, bold=True),
        painter.font(21),
        painter.font(30, bold=True),
    )
    for index, step in enumerate(spec.steps):
        left = margin + index * (width + gap)
        draw.rounded_rectangle((left, top, left + width, bottom), radius=26, fill=CARD, outline="#d5e3ea", width=3)
        if spec.numbered:
            draw.ellipse((left + 22, top + 22, left + 78, top + 78), fill=TEAL)
            draw.text((left + 50, top + 50), str(index + 1), font=number_font, fill="white", anchor="mm")
        centre_x = left + width // 2
        _paste_icon(image, painter, step.icon, (centre_x, top + 165), 170 if count <= 3 else 150)
        y = _text_block(draw, (centre_x, top + 275), step.zh, zh_font, width - 40, INK, max_lines=3)
        _text_block(draw, (centre_x, y + 10), step.en, en_font, width - 40, MUTED, max_lines=4)
    return image


def draw_plate(painter: Painter, spec: ComposedSpec) -> Image.Image:
    """A plate: half vegetables, a quarter protein, a quarter staple food, each labelled beside it."""
    image, draw = _frame(painter, spec)
    cx, cy, radius = 370, 455, 250
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    draw.ellipse(
        (cx - radius - 26, cy - radius - 26, cx + radius + 26, cy + radius + 26),
        fill="#ffffff",
        outline="#c9d6dd",
        width=4,
    )
    colours = ["#8bc34a", "#ef9a9a", "#ffd54f"]
    draw.pieslice(box, 90, 270, fill=colours[0])
    draw.pieslice(box, 270, 360, fill=colours[1])
    draw.pieslice(box, 0, 90, fill=colours[2])
    draw.line((cx, cy - radius, cx, cy + radius), fill="white", width=8)
    draw.line((cx, cy, cx + radius, cy), fill="white", width=8)
    centres = [
        (cx - radius // 2, cy),
        (cx + radius // 2, cy - radius // 2 + 10),
        (cx + radius // 2, cy + radius // 2 - 10),
    ]
    for step, centre in zip(spec.steps, centres, strict=False):
        _paste_icon(image, painter, step.icon, centre, 120, ink="#ffffff")
    zh_font, en_font = painter.font(34, bold=True), painter.font(22)
    y = 220
    for colour, step in zip(colours, spec.steps, strict=False):
        draw.rounded_rectangle((720, y, 760, y + 40), radius=8, fill=colour)
        y_after = _text_block(draw, (780, y - 2), step.zh, zh_font, 360, INK, max_lines=2, anchor_centre=False)
        y = _text_block(draw, (780, y_after + 2), step.en, en_font, 360, MUTED, max_lines=3, anchor_centre=False) + 34
    for step in spec.steps[3:]:  # a closing tip under the legend
        y = _text_block(draw, (720, y), step.zh, painter.font(26), 420, ACCENT, max_lines=2, anchor_centre=False)
        y = _text_block(draw, (720, y), step.en, painter.font(20), 420, MUTED, max_lines=2, anchor_centre=False) + 12
    return image


def draw_injection_sites(painter: Painter, spec: ComposedSpec) -> Image.Image:
    """A front and a back figure with the insulin injection areas shaded, and the areas named beside them."""
    image, draw = _frame(painter, spec)
    skin, outline, zone = "#f3d9c6", "#b08a74", (27, 94, 122)
    overlay = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    shade = ImageDraw.Draw(overlay)

    def v(offset: int) -> int:  # the figures are drawn on a 600-unit height, scaled to fit above the footer
        return 190 + int(offset * 0.84)

    def figure(cx: int, label_zh: str, label_en: str) -> None:
        draw.ellipse((cx - 38, v(0), cx + 38, v(84)), fill=skin, outline=outline, width=3)  # head
        draw.rounded_rectangle((cx - 70, v(92), cx + 70, v(330)), radius=36, fill=skin, outline=outline, width=3)
        for side in (-1, 1):  # arms and legs
            arm_left, arm_right = sorted((cx + side * 76, cx + side * 110))
            draw.rounded_rectangle(
                (arm_left, v(100), arm_right, v(330)), radius=16, fill=skin, outline=outline, width=3
            )
            leg_left, leg_right = sorted((cx + side * 8, cx + side * 64))
            draw.rounded_rectangle(
                (leg_left, v(320), leg_right, v(540)), radius=20, fill=skin, outline=outline, width=3
            )
        draw.text((cx - 6, v(552)), label_zh, font=painter.font(24, bold=True), fill=INK, anchor="ra")
        draw.text((cx + 6, v(552) + 4), label_en, font=painter.font(18), fill=MUTED, anchor="la")

    figure(250, "正面", "Front")
    # Abdomen (leaving the navel free), the front and outer thighs.
    shade.rounded_rectangle((250 - 58, v(205), 250 + 58, v(300)), radius=18, fill=zone + (150,))
    shade.ellipse((250 - 9, v(243), 250 + 9, v(261)), fill=(243, 217, 198, 255))
    for side in (-1, 1):
        left, right = sorted((250 + side * 10, 250 + side * 62))
        shade.rounded_rectangle((left, v(360), right, v(450)), radius=14, fill=zone + (150,))
    figure(560, "背面", "Back")
    for side in (-1, 1):  # outer upper arms and the upper outer buttocks
        left, right = sorted((560 + side * 78, 560 + side * 108))
        shade.rounded_rectangle((left, v(130), right, v(210)), radius=10, fill=zone + (150,))
        left, right = sorted((560 + side * 14, 560 + side * 66))
        shade.ellipse((left, v(268), right, v(322)), fill=zone + (150,))
    image.paste(overlay, (0, 0), overlay)
    _paste_icon(image, painter, "syringe", (1080, 200), 110)
    y = 250
    for step in spec.steps:
        draw.rounded_rectangle((780, y + 6, 808, y + 34), radius=6, fill="#{:02x}{:02x}{:02x}".format(*zone))
        y = _text_block(
            draw, (824, y), step.zh, painter.font(29, bold=True), 330, INK, max_lines=2, anchor_centre=False
        )
        y = _text_block(draw, (824, y), step.en, painter.font(20), 330, MUTED, max_lines=3, anchor_centre=False) + 18
    return image


LAYOUTS = {"steps": draw_steps, "plate": draw_plate, "injection_sites": draw_injection_sites}


def compose(painter: Painter, spec: ComposedSpec) -> bytes:
    picture = LAYOUTS[spec.layout](painter, spec)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def icons_needed(specs: Sequence[ComposedSpec]) -> set[str]:
    return {step.icon for spec in specs for step in spec.steps} | {"syringe"}
