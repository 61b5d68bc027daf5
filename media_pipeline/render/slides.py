"""Still slides for the narrated video, drawn once each with Pillow.

A video of an article is a handful of still pictures shown while the
narration plays, so each slide is rendered exactly once (and kept as a PNG);
the video stage only moves the illustration inside its box
(:meth:`SlideRenderer.picture`) and crossfades between slides.

Slides: a title card (title, doctor, hospital), one slide per section with its
illustration (cropped around the editor's focal point) and key sentence, one
per key point and warning, and an end card with the share QR code and "ask
your doctor". All text stays inside :class:`SlideLayout.safe`; the bottom band
of the safe area is left free for the burned-in captions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageOps

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from media_pipeline.render import palette
from media_pipeline.render.fonts import FontFace, TextBox, draw_text_block, find_cjk_font, fit_text
from media_pipeline.render.qr import InvalidShareURLError, qr_image

__all__ = [
    "IllustrationError",
    "Orientation",
    "RenderedSlide",
    "SlideLayout",
    "SlideRenderer",
    "SlideSpec",
    "SlideWording",
    "byline",
    "crop_to_focal_point",
    "frame_size",
    "load_illustration",
    "plan_slides",
]

Orientation = Literal["portrait", "landscape"]
SlideKind = Literal["title", "section", "key_point", "warning", "end"]

_FRAME_SIZES: dict[str, tuple[int, int]] = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


@dataclass(frozen=True)
class SlideWording:
    """The fixed words on slides and share images, in the article's language.

    The Django side translates them (media_pipeline.article_renders.slide_wording); the
    defaults are the catalogue's English source strings, for callers without Django.
    """

    title: str = "Patient education"
    key_point: str = "Key point %(index)d of %(count)d"  # formatted with index and count
    warning: str = "Important"
    scan: str = "Scan to read the full article"
    ask_your_doctor: str = "Questions? Ask your doctor."
    question: str = "Question"
    answer: str = "Answer"


_IMAGE_BACKDROP = (255, 255, 255)  # behind transparent illustrations

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+")


def frame_size(orientation: Orientation) -> tuple[int, int]:
    """(width, height) in pixels; portrait (phones) is the default format."""
    try:
        return _FRAME_SIZES[orientation]
    except KeyError:
        raise ValueError(f"orientation must be 'portrait' or 'landscape', got {orientation!r}") from None


def byline(document: ArticleDocument) -> str:
    """ "Dr name, title" as readers expect it in the article's language."""
    parts = [document.doctor_name.strip(), document.doctor_title.strip()]
    return ("  " if document.is_chinese else ", ").join(p for p in parts if p)


# --- planning -----------------------------------------------------------------


@dataclass(frozen=True)
class SlideSpec:
    """What one slide shows, and which article text it stays up for.

    ``narration`` lists the article texts (in reading order) whose spoken
    cues keep this slide on screen; the video stage aligns cues to them.
    """

    kind: SlideKind
    heading: str = ""
    text: str = ""
    images: tuple[DocumentImage, ...] = ()  # candidates; the first that decodes is shown
    narration: tuple[str, ...] = ()
    label: str = ""


def _sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE_END.split(text.strip()) if piece and piece.strip()]


def _section_slides(heading: str, blocks: list[DocumentBlock], wording: SlideWording) -> list[SlideSpec]:
    """One slide per spoken sentence of a section, so the screen shows what the voice is saying.

    Every slide of the section keeps its heading and illustration; a paragraph gives one slide per
    sentence, a list one per item, a Q&A its question and then each sentence of the answer (under
    the question). Captions and alt texts of pictures are spoken too: they stay on the slide that
    shows the picture.
    """
    images = tuple(block.image for block in blocks if block.kind == "image" and block.image is not None)
    steps: list[tuple[str, str, str, list[str]]] = []  # (heading, label, text, narration)
    for block in blocks:
        if block.kind == "paragraph" and block.text.strip():
            steps += [(heading, "", sentence, [sentence]) for sentence in _sentences(block.text)]
        elif block.kind == "list":
            items = [item.strip() for item in block.items if item.strip()]
            steps += [(heading, f"{number}/{len(items)}", item, [item]) for number, item in enumerate(items, 1)]
        elif block.kind == "qa" and block.text.strip():
            question = block.text.strip()
            steps.append((heading, wording.question, question, [question]))
            steps += [(question, wording.answer, sentence, [sentence]) for sentence in _sentences(block.answer)]
        elif block.kind == "image" and block.image is not None:
            spoken = [t for t in (block.image.caption, block.image.alt_text) if t and t.strip()]
            if steps:
                steps[-1][3].extend(spoken)
            elif spoken:
                steps.append((heading, "", block.image.caption.strip(), spoken))
    if not steps:
        if not heading and not images:
            return []
        steps.append((heading, "", "", []))
    if heading:
        steps[0][3].insert(0, heading)
    return [
        SlideSpec(
            kind="section",
            heading=step_heading,
            text=text,
            images=images,
            label=label,
            narration=tuple(t for t in narration if t.strip()),
        )
        for step_heading, label, text, narration in steps
    ]


def plan_slides(document: ArticleDocument, wording: SlideWording | None = None) -> list[SlideSpec]:
    """Slides in reading order: title, sections / key points / warnings, end card.

    A section is a heading and the blocks up to the next heading (text before
    the first heading is an untitled intro section). Key points and warnings
    get slides of their own because patients must not miss them. ``wording``
    gives the labels in the article's language.
    """
    wording = wording or SlideWording()
    slides: list[SlideSpec] = [
        SlideSpec(
            kind="title",
            heading=document.title.strip(),
            text=byline(document),
            narration=tuple(
                t for t in (document.title, document.summary, document.doctor_name, document.hospital) if t
            ),
            label=wording.title,
        )
    ]
    heading = ""
    pending: list[DocumentBlock] = []

    def flush() -> None:
        slides.extend(_section_slides(heading, pending, wording))
        pending.clear()

    for block in document.blocks:
        if block.kind == "heading":
            flush()
            heading = block.text.strip()
        elif block.kind == "key_points":
            flush()
            points = [item.strip() for item in block.items if item.strip()]
            for index, point in enumerate(points, start=1):
                slides.append(
                    SlideSpec(
                        kind="key_point",
                        text=point,
                        narration=(point,),
                        label=wording.key_point % {"index": index, "count": len(points)},
                    )
                )
            heading = ""  # what follows the list is no longer under the old heading
        elif block.kind == "warning" and block.text.strip():
            flush()
            slides.append(
                SlideSpec(kind="warning", text=block.text.strip(), narration=(block.text,), label=wording.warning)
            )
            heading = ""
        elif block.kind == "references":
            continue  # not shown in the video (the reading page lists them)
        else:
            pending.append(block)
    flush()
    slides.append(
        SlideSpec(
            kind="end",
            heading=wording.ask_your_doctor,
            text=wording.scan,
            narration=(wording.ask_your_doctor,),
        )
    )
    return slides


# --- illustrations --------------------------------------------------------------


class IllustrationError(Exception):
    """An illustration could not be read; the slide is drawn without it."""


def crop_to_focal_point(
    image: Image.Image,
    size: tuple[int, int],
    focal_point: tuple[int, int, int, int] | None,
) -> Image.Image:
    """Scale and crop ``image`` to fill ``size``, keeping the focal point in view.

    The largest window with the target aspect ratio is centred on the focal
    point's centre (image centre if none) and shifted back inside the image.
    """
    target_w, target_h = size
    width, height = image.size
    target_ratio = target_w / target_h
    if width / height > target_ratio:
        crop_w, crop_h = height * target_ratio, float(height)
    else:
        crop_w, crop_h = float(width), width / target_ratio
    if focal_point is not None:
        fx, fy, fw, fh = focal_point
        cx, cy = fx + fw / 2, fy + fh / 2
    else:
        cx, cy = width / 2, height / 2
    left = min(max(cx - crop_w / 2, 0.0), width - crop_w)
    top = min(max(cy - crop_h / 2, 0.0), height - crop_h)
    return image.resize(
        size,
        Image.Resampling.LANCZOS,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=2.0,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparent PNGs, palettes, CMYK, 16-bit greys all end up RGB."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        backdrop = Image.new("RGB", rgba.size, _IMAGE_BACKDROP)
        backdrop.paste(rgba, mask=rgba.getchannel("A"))
        return backdrop
    if image.mode == "I;16" or image.mode == "I":
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def load_illustration(document_image: DocumentImage, size: tuple[int, int]) -> Image.Image:
    """Decode, orient and crop an illustration to ``size``; IllustrationError if unreadable."""
    path = document_image.path
    name = document_image.alt_text or (path.name if path else "illustration")
    if path is None:
        raise IllustrationError(f"illustration {name!r} has no local file")
    try:
        with Image.open(path) as source:
            original_size = source.size
            # JPEG: let libjpeg decode at a reduced scale that still covers the target.
            source.draft("RGB", (max(size) * 2, max(size) * 2))
            source.load()
            oriented = ImageOps.exif_transpose(source)
            image = _flatten(oriented)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise IllustrationError(f"illustration {name!r} ({path.name}) could not be decoded: {exc}") from exc
    focal = _scaled_focal_point(document_image, original_size, image.size)
    return crop_to_focal_point(image, size, focal)


def _scaled_focal_point(
    document_image: DocumentImage, original_size: tuple[int, int], decoded_size: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """Map the CMS focal point (in original pixels) onto the decoded image.

    Returns None when the decoded image is rotated relative to the original
    (EXIF orientation): the stored rectangle no longer describes the picture.
    """
    if document_image.focal_point is None:
        return None
    ref_w = document_image.width or original_size[0]
    ref_h = document_image.height or original_size[1]
    if (ref_w > ref_h) != (decoded_size[0] > decoded_size[1]) and ref_w != ref_h:
        return None
    sx, sy = decoded_size[0] / ref_w, decoded_size[1] / ref_h
    x, y, w, h = document_image.focal_point
    return (round(x * sx), round(y * sy), round(w * sx), round(h * sy))


# --- layout and rendering ------------------------------------------------------------


@dataclass(frozen=True)
class SlideLayout:
    """Pixel geometry shared by slides and burned-in captions.

    ``safe`` is the title-safe area (6 % of the width left/right, 5 % of the
    height top/bottom): phone UIs and TV overscan cover the margins. Captions
    own ``caption_band``, the bottom of the safe area; slide content stays in
    ``content`` above it.
    """

    width: int
    height: int
    safe: TextBox
    content: TextBox
    caption_band: TextBox
    caption_font_px: int  # em size of the caption font
    caption_max_lines: int
    caption_padding: int  # box padding around caption text

    @classmethod
    def for_size(cls, width: int, height: int, face: FontFace) -> SlideLayout:
        if width < 320 or height < 320:
            raise ValueError(f"frame {width}x{height} is too small for readable slides")
        margin_x, margin_y = round(width * 0.06), round(height * 0.05)
        safe = TextBox(margin_x, margin_y, width - margin_x, height - margin_y)
        portrait = height >= width
        font_px = round(min(width, height) * (0.05 if portrait else 0.042))
        max_lines = 2  # at most two caption lines on screen: a longer cue is split in time
        padding = round(font_px * 0.3)
        ascent, descent = face.at(font_px).getmetrics()
        band_height = max_lines * (ascent + descent) + 2 * padding
        band = TextBox(safe.left, safe.bottom - band_height, safe.right, safe.bottom)
        gap = round(height * 0.015)
        content = TextBox(safe.left, safe.top, safe.right, band.top - gap)
        return cls(width, height, safe, content, band, font_px, max_lines, padding)


@dataclass(frozen=True)
class RenderedSlide:
    """A drawn slide, with where its text and picture ended up (and its PNG, where one was saved)."""

    spec: SlideSpec
    path: Path | None
    image: Image.Image = field(repr=False)
    text_boxes: tuple[TextBox, ...]
    illustration_box: TextBox | None
    warnings: tuple[str, ...] = ()


class SlideRenderer:
    """Draws :class:`SlideSpec` s for one article at one frame size."""

    def __init__(self, document: ArticleDocument, width: int, height: int):
        self.document = document
        self.regular = find_cjk_font("regular", document.language)
        self.bold = find_cjk_font("bold", document.language)
        self.layout = SlideLayout.for_size(width, height, self.regular)
        self.portrait = height >= width
        self.unit = min(width, height) / 1080  # sizes below are designed for 1080 px
        # An illustration usually appears on several slides (its section's sentences): decode and crop it once.
        self._pictures: dict[tuple[DocumentImage, tuple[int, int]], Image.Image] = {}

    def px(self, value: float) -> int:
        return max(1, round(value * self.unit))

    def picture(self, spec: SlideSpec, size: tuple[int, int]) -> Image.Image | None:
        """The slide's illustration (the first candidate that decodes) cropped to ``size``: the video moves it."""
        return self._illustration(spec, size, [])

    # drawing helpers
    def _text(
        self,
        draw: ImageDraw.ImageDraw,
        text: str,
        box: TextBox,
        *,
        face: FontFace,
        max_size: int,
        min_size: int,
        fill: tuple[int, int, int],
        max_lines: int | None = None,
        align: Literal["left", "center"] = "left",
        valign: Literal["top", "middle"] = "top",
    ) -> TextBox | None:
        if not text.strip() or box.bottom - box.top <= 0:
            return None
        fitted = fit_text(
            text,
            face,
            max_width=box.right - box.left,
            max_height=box.bottom - box.top,
            max_size=self.px(max_size),
            min_size=self.px(min_size),
            max_lines=max_lines,
        )
        top = box.top
        if valign == "middle":
            top = box.top + (box.bottom - box.top - fitted.height) // 2
        return draw_text_block(draw, fitted, left=box.left, top=top, width=box.right - box.left, fill=fill, align=align)

    def _measure(self, text: str, width: int, *, face: FontFace, max_size: int, min_size: int, max_lines: int) -> int:
        """Height a text block will take (to stack blocks before drawing)."""
        if not text.strip():
            return 0
        return fit_text(
            text,
            face,
            max_width=width,
            max_height=10**6,
            max_size=self.px(max_size),
            min_size=self.px(min_size),
            max_lines=max_lines,
        ).height

    def _illustration(self, spec: SlideSpec, size: tuple[int, int], warnings: list[str]) -> Image.Image | None:
        for candidate in spec.images:
            key = (candidate, size)
            if key not in self._pictures:
                try:
                    self._pictures[key] = load_illustration(candidate, size)
                except IllustrationError as exc:
                    warnings.append(f"skipped illustration: {exc}")
                    continue
            return self._pictures[key]
        return None

    def _paste_rounded(self, canvas: Image.Image, picture: Image.Image, xy: tuple[int, int]) -> TextBox:
        mask = Image.new("L", picture.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, *picture.size), radius=self.px(28), fill=255)
        canvas.paste(picture, xy, mask)
        return TextBox(xy[0], xy[1], xy[0] + picture.width, xy[1] + picture.height)

    def _brand(self, draw: ImageDraw.ImageDraw, boxes: list[TextBox]) -> int:
        """Small doctor/hospital line at the top of content slides; returns its bottom."""
        content = self.layout.content
        line = "  ·  ".join(p for p in (self.document.doctor_name, self.document.hospital) if p.strip())
        if not line:
            return content.top
        height = self.px(60)
        box = self._text(
            draw,
            line,
            TextBox(content.left, content.top, content.right, content.top + height),
            face=self.regular,
            max_size=34,
            min_size=24,
            max_lines=1,
            fill=palette.MUTED,
        )
        if box:
            boxes.append(box)
        return content.top + height + self.px(24)

    # slide kinds
    def _draw_title(self, draw: ImageDraw.ImageDraw, spec: SlideSpec, boxes: list[TextBox]) -> None:
        c = self.layout.content
        width = c.right - c.left
        label_h = self._measure(spec.label, width, face=self.bold, max_size=40, min_size=28, max_lines=1)
        title_max_lines = 6 if self.portrait else 3
        title_h = self._measure(
            spec.heading, width, face=self.bold, max_size=96, min_size=56, max_lines=title_max_lines
        )
        byline_h = self._measure(spec.text, width, face=self.regular, max_size=48, min_size=34, max_lines=2)
        hospital = self.document.hospital.strip()
        hospital_h = self._measure(hospital, width, face=self.regular, max_size=40, min_size=30, max_lines=2)
        gap = self.px(44)
        total = label_h + gap + title_h + gap * 2 + byline_h + self.px(16) + hospital_h
        y = c.top + max(0, (c.bottom - c.top - total) // 2)
        for text, face, max_size, min_size, max_lines, fill, height, after, underline in (
            (spec.label, self.bold, 40, 28, 1, palette.ACCENT, label_h, gap, False),
            (spec.heading, self.bold, 96, 56, title_max_lines, palette.INK, title_h, gap * 2, True),
            (spec.text, self.regular, 48, 34, 2, palette.INK, byline_h, self.px(16), False),
            (hospital, self.regular, 40, 30, 2, palette.MUTED, hospital_h, 0, False),
        ):
            box = self._text(
                draw,
                text,
                TextBox(c.left, y, c.right, min(c.bottom, y + height)),
                face=face,
                max_size=max_size,
                min_size=min_size,
                max_lines=max_lines,
                fill=fill,
                align="center",
            )
            if box:
                boxes.append(box)
            if underline:
                bar_y = y + height + gap - self.px(8)
                bar_w = self.px(140)
                draw.rectangle(
                    (c.left + (width - bar_w) // 2, bar_y, c.left + (width + bar_w) // 2, bar_y + self.px(8)),
                    fill=palette.ACCENT,
                )
            if height:
                y += height + after

    def _labelled_text(
        self,
        draw: ImageDraw.ImageDraw,
        spec: SlideSpec,
        box: TextBox,
        boxes: list[TextBox],
        *,
        max_size: int,
        min_size: int,
        valign: Literal["top", "middle"] = "top",
    ) -> TextBox | None:
        """The slide's sentence, under its small accent label ("答", "2/4") when it has one."""
        if spec.label:
            label_h = self.px(64)
            label_box = self._text(
                draw,
                spec.label,
                TextBox(box.left, box.top, box.right, box.top + label_h),
                face=self.bold,
                max_size=44,
                min_size=30,
                max_lines=1,
                fill=palette.ACCENT,
            )
            if label_box:
                boxes.append(label_box)
            box = TextBox(box.left, box.top + label_h + self.px(12), box.right, box.bottom)
        return self._text(
            draw,
            spec.text,
            box,
            face=self.regular,
            max_size=max_size,
            min_size=min_size,
            fill=palette.INK,
            valign=valign,
        )

    def _draw_section(
        self, canvas: Image.Image, draw: ImageDraw.ImageDraw, spec: SlideSpec, boxes: list[TextBox], warnings: list[str]
    ) -> TextBox | None:
        c = self.layout.content
        top = self._brand(draw, boxes)
        width = c.right - c.left
        if self.portrait:
            heading_h = self._measure(spec.heading, width, face=self.bold, max_size=68, min_size=46, max_lines=2)
            if heading_h:
                box = self._text(
                    draw,
                    spec.heading,
                    TextBox(c.left, top, c.right, top + heading_h),
                    face=self.bold,
                    max_size=68,
                    min_size=46,
                    max_lines=2,
                    fill=palette.INK,
                )
                if box:
                    boxes.append(box)
                top += heading_h + self.px(20)
                draw.rectangle((c.left, top, c.left + self.px(120), top + self.px(8)), fill=palette.ACCENT)
                top += self.px(44)
            picture_h = min(round(width * 3 / 4), (c.bottom - top) * 6 // 10)
            picture = self._illustration(spec, (width, picture_h), warnings) if spec.images else None
            illustration_box = None
            if picture is not None:
                illustration_box = self._paste_rounded(canvas, picture, (c.left, top))
                top += picture_h + self.px(48)
                text_box = TextBox(c.left, top, c.right, c.bottom)
                box = self._labelled_text(draw, spec, text_box, boxes, max_size=64, min_size=40)
            else:
                card = TextBox(c.left, top, c.right, c.bottom)
                draw.rounded_rectangle(
                    (card.left, card.top, card.right, card.bottom), radius=self.px(28), fill=palette.CARD
                )
                pad = self.px(56)
                inner = TextBox(card.left + pad, card.top + pad, card.right - pad, card.bottom - pad)
                box = self._labelled_text(draw, spec, inner, boxes, max_size=96, min_size=44, valign="middle")
            if box:
                boxes.append(box)
            return illustration_box

        # landscape: picture left, words right
        available_h = c.bottom - top
        picture_w = min(round(width * 0.5), round(available_h * 4 / 3))
        picture_size = (picture_w, round(picture_w * 3 / 4))
        picture = self._illustration(spec, picture_size, warnings) if spec.images else None
        illustration_box = None
        text_left = c.left
        if picture is not None:
            y = top + (available_h - picture.height) // 2
            illustration_box = self._paste_rounded(canvas, picture, (c.left, y))
            text_left = c.left + picture_w + self.px(64)
        column = text_left, c.right
        heading_h = self._measure(
            spec.heading, column[1] - column[0], face=self.bold, max_size=64, min_size=44, max_lines=2
        )
        y = top
        if heading_h:
            box = self._text(
                draw,
                spec.heading,
                TextBox(column[0], y, column[1], y + heading_h),
                face=self.bold,
                max_size=64,
                min_size=44,
                max_lines=2,
                fill=palette.INK,
            )
            if box:
                boxes.append(box)
            y += heading_h + self.px(20)
            draw.rectangle((column[0], y, column[0] + self.px(110), y + self.px(8)), fill=palette.ACCENT)
            y += self.px(40)
        box = self._labelled_text(
            draw,
            spec,
            TextBox(column[0], y, column[1], c.bottom),
            boxes,
            max_size=58 if picture is not None else 84,
            min_size=38,
        )
        if box:
            boxes.append(box)
        return illustration_box

    def _draw_callout(self, draw: ImageDraw.ImageDraw, spec: SlideSpec, boxes: list[TextBox]) -> None:
        """Key point and warning slides: a label and one big sentence on a card."""
        c = self.layout.content
        top = self._brand(draw, boxes)
        warning = spec.kind == "warning"
        card = TextBox(c.left, top, c.right, c.bottom)
        draw.rounded_rectangle(
            (card.left, card.top, card.right, card.bottom),
            radius=self.px(28),
            fill=palette.WARNING_CARD if warning else palette.CARD,
        )
        accent = palette.WARNING_INK if warning else palette.ACCENT
        draw.rectangle(
            (card.left, card.top + self.px(28), card.left + self.px(12), card.bottom - self.px(28)), fill=accent
        )
        pad = self.px(64)
        label_h = self.px(72)
        box = self._text(
            draw,
            spec.label,
            TextBox(card.left + pad, card.top + pad, card.right - pad, card.top + pad + label_h),
            face=self.bold,
            max_size=44,
            min_size=30,
            max_lines=1,
            fill=accent,
        )
        if box:
            boxes.append(box)
        inner = TextBox(card.left + pad, card.top + pad + label_h + self.px(24), card.right - pad, card.bottom - pad)
        box = self._text(
            draw,
            spec.text,
            inner,
            face=self.bold if warning else self.regular,
            max_size=76,
            min_size=44,
            fill=palette.WARNING_INK if warning else palette.INK,
            valign="middle",
        )
        if box:
            boxes.append(box)

    def _draw_end(
        self, canvas: Image.Image, draw: ImageDraw.ImageDraw, spec: SlideSpec, boxes: list[TextBox], warnings: list[str]
    ) -> None:
        c = self.layout.content
        width, height = c.right - c.left, c.bottom - c.top
        qr_size = min(self.px(560 if self.portrait else 520), height * 45 // 100 if self.portrait else height * 8 // 10)
        qr = None
        try:
            qr = qr_image(self.document.share_url, size_px=qr_size)
        except InvalidShareURLError as exc:
            warnings.append(f"end card has no QR code: {exc}")
        lines = (
            (spec.heading, self.bold, 68, 44, 3, palette.INK),
            (spec.text if qr is not None else "", self.regular, 44, 32, 2, palette.MUTED),
            (byline(self.document), self.regular, 44, 32, 2, palette.INK),
            (self.document.hospital.strip(), self.regular, 40, 30, 2, palette.MUTED),
        )
        if self.portrait:
            column = TextBox(c.left, c.top, c.right, c.bottom)
        else:
            column = TextBox(c.left + (qr_size + self.px(80) if qr else 0), c.top, c.right, c.bottom)
        col_w = column.right - column.left
        gap = self.px(28)
        heights = [
            self._measure(t, col_w, face=f, max_size=mx, min_size=mn, max_lines=ml) for t, f, mx, mn, ml, _ in lines
        ]
        text_total = sum(heights) + gap * sum(1 for h in heights if h)
        if self.portrait:
            total = (qr_size + self.px(56) if qr else 0) + text_total
            y = c.top + max(0, (height - total) // 2)
            if qr is not None:
                x = c.left + (width - qr_size) // 2
                canvas.paste(qr, (x, y))
                boxes.append(TextBox(x, y, x + qr_size, y + qr_size))
                y += qr_size + self.px(56)
        else:
            y = c.top + max(0, (height - text_total) // 2)
            if qr is not None:
                qy = c.top + (height - qr_size) // 2
                canvas.paste(qr, (c.left, qy))
                boxes.append(TextBox(c.left, qy, c.left + qr_size, qy + qr_size))
        for (text, face, mx, mn, ml, fill), h in zip(lines, heights, strict=True):
            if not h:
                continue
            box = self._text(
                draw,
                text,
                TextBox(column.left, y, column.right, min(c.bottom, y + h)),
                face=face,
                max_size=mx,
                min_size=mn,
                max_lines=ml,
                fill=fill,
                align="center" if self.portrait else "left",
            )
            if box:
                boxes.append(box)
            y += h + gap

    def render(self, spec: SlideSpec, path: Path | None = None) -> RenderedSlide:
        """Draw ``spec``; with ``path``, also save it there as a fast-compressed PNG (a kept intermediate)."""
        canvas = Image.new("RGB", (self.layout.width, self.layout.height), palette.BACKGROUND)
        draw = ImageDraw.Draw(canvas)
        boxes: list[TextBox] = []
        warnings: list[str] = []
        illustration_box = None
        if spec.kind == "title":
            self._draw_title(draw, spec, boxes)
        elif spec.kind == "section":
            illustration_box = self._draw_section(canvas, draw, spec, boxes, warnings)
        elif spec.kind in ("key_point", "warning"):
            self._draw_callout(draw, spec, boxes)
        elif spec.kind == "end":
            self._draw_end(canvas, draw, spec, boxes, warnings)
        else:  # pragma: no cover - SlideKind is closed
            raise ValueError(f"unknown slide kind {spec.kind!r}")
        if path is not None:
            path = Path(path)
            canvas.save(path, format="PNG", compress_level=1)
        return RenderedSlide(
            spec=spec,
            path=path,
            image=canvas,
            text_boxes=tuple(boxes),
            illustration_box=illustration_box,
            warnings=tuple(warnings),
        )

    def render_all(self, specs: Sequence[SlideSpec], directory: Path | None = None) -> list[RenderedSlide]:
        """Draw every slide; with ``directory``, also save them there as ``slide-NNN.png``."""
        if directory is None:
            return [self.render(spec) for spec in specs]
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        return [self.render(spec, directory / f"slide-{number:03d}.png") for number, spec in enumerate(specs)]
