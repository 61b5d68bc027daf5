"""The narrated slideshow video: slides + narration → a clean MP4 and one with burned-in captions.

Speed is the design constraint, so the work is split by what each tool is
good at:

* Pillow draws every slide once (:mod:`media_pipeline.render.slides`): one per
  spoken sentence, so the screen shows what the voice says;
* moviepy composes the picture: each slide appearance is a clip (an
  ``ImageClip``, or a ``VideoClip`` whose frame function pastes the slowly
  drifting illustration, "Ken Burns", into the slide), each change of slide
  is a ``CompositeVideoClip`` crossfade (``CrossFadeIn``), and the pieces are
  chained with ``concatenate_videoclips``. The same composition gives the
  poster (the first illustrated slide mid-move). With the optional music bed,
  moviepy also mixes the sound (:func:`media_pipeline.render.music.mix_bed`);
* ffmpeg (imageio-ffmpeg's build) takes the composed frames over a pipe,
  puts each on its slot of the frame grid (variable frame rate: every frame
  of a crossfade, a frame each half pixel a drifting picture moves, elsewhere
  one where the picture or a caption changes and at least every second), converts them once, and ``split`` feeds
  two encoders: the clean file (the reading page plays it with the WebVTT as
  a ``<track>``) and the captioned one (libass burns the cues, for downloads
  and social posts). H.264/AAC, ``+faststart``.

Text never moves: only the illustration's box is repainted in a moving frame,
and a still stretch is the slide's own array, composed once.

The end card (QR code) follows the last sentence, crossfades in and holds for
:data:`END_HOLD_S` in quiet (or over the music bed). Captions are wrapped here,
by measured pixel width with the same CJK font libass uses and on word
boundaries, and long cues are split in time, so no caption is more than two
lines or wider than :attr:`SlideLayout.caption_band`.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from moviepy import ColorClip, CompositeVideoClip, ImageClip, VideoClip, concatenate_videoclips, vfx
from PIL import Image, ImageDraw

from cms.core.documents import ArticleDocument
from media_pipeline.render.ffmpeg import FFmpegError, ffmpeg_exe, probe_duration
from media_pipeline.render.fonts import FontFace, TextBox, wrap_text
from media_pipeline.render.music import mix_bed
from media_pipeline.render.slides import (
    Orientation,
    RenderedSlide,
    SlideLayout,
    SlideRenderer,
    SlideSpec,
    SlideWording,
    frame_size,
    plan_slides,
)
from media_pipeline.render.subtitles import Cue, write_srt, write_vtt

__all__ = [
    "CaptionEvent",
    "EncodeSettings",
    "NarrationTrack",
    "TimelineEntry",
    "VideoRenderError",
    "VideoResult",
    "caption_events",
    "render_video",
    "slide_timeline",
    "snap_to_frames",
    "write_ass",
]

_DURATION_MISMATCH_S = 0.5
_MAX_FRAME_GAP_S = 1.0  # variable frame rate: at least one frame a second
_MIN_ENTRY_S = 0.8  # shorter slide appearances are merged into a neighbour (no flashes)
_TITLE_CARD_S = 3.0
_END_CARD_S = 4.0
#: The end card (QR code, "ask your doctor") comes after the last sentence and stays this long, in quiet:
#: time to point a phone at the code.
END_HOLD_S = 3.5
#: Every change of slide is a crossfade this long (the end card's crossfade is part of its hold).
CROSSFADE_S = 0.4
#: An illustration drifts closer at this rate (from the slide's own framing), up to KEN_BURNS_ZOOM: a long
#: section does not move faster than a short one, and nothing moves more than about 4 px a second.
KEN_BURNS_ZOOM_PER_S = 0.004
KEN_BURNS_ZOOM = 1.08
#: While only a drift moves, a new frame comes when the picture has moved this far (in output pixels, at
#: its fastest corner) since the last one, on the frame grid (crossfades get every frame of the grid).
#: Half-pixel steps, drawn with bilinear filtering, look as smooth as every frame; the eased move is
#: slow at its ends, so it costs frames only where it moves.
DRIFT_STEP_PX = 0.5
_CARD_SHARE_MAX = 0.15  # title/end cards never take more than this share of the video
_SLIDE_ALLOWANCE_CHARS = 12  # text-length timing: every slide counts at least this much
_MIN_MATCHED_SHARE = 0.3  # below this, cue text does not follow the article: time by length


class VideoRenderError(ValueError):
    """The inputs cannot make a video (missing audio, zero duration, bad settings)."""


class CueLike(Protocol):
    """A caption cue: seconds from the start of the narration and its text."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


class NarrationTrack(Protocol):
    """What the video needs from the voice stage (``VoiceResult`` fits it)."""

    @property
    def mp3_path(self) -> Path: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def cues(self) -> Sequence[CueLike]: ...


@dataclass(frozen=True)
class EncodeSettings:
    """Encoder choices for slides watched on phones.

    Slides are still but for a drifting illustration and short crossfades, so a
    CRF with a bitrate cap gives sharp text at ~0.2–0.5 Mbit/s; 10 fps (the
    frame grid: crossfades get every frame, a drift one per :data:`DRIFT_STEP_PX`) is plenty
    for short crossfades and captions that change every few seconds.
    """

    fps: int = 10
    crf: int = 23
    preset: str = "veryfast"
    max_bitrate_kbps: int = 2500
    audio_bitrate_kbps: int = 96
    keyframe_interval_s: float = 5.0
    timeout_s: float = 1800.0
    music_bed: bool = False  # a synthesised pad under the voice, ducked (media_pipeline.render.music)

    def __post_init__(self) -> None:
        if not 1 <= self.fps <= 60:
            raise VideoRenderError(f"fps must be between 1 and 60, got {self.fps}")
        if not 0 <= self.crf <= 51:
            raise VideoRenderError(f"crf must be between 0 and 51, got {self.crf}")


@dataclass(frozen=True)
class VideoResult:
    mp4_path: Path  # clean: for the reading page, captions as a <track>
    poster_path: Path
    vtt_path: Path
    srt_path: Path
    width: int
    height: int
    duration_s: float
    warnings: tuple[str, ...] = ()
    captioned_mp4_path: Path | None = None  # captions burned in: downloads and social posts


@dataclass(frozen=True)
class TimelineEntry:
    """Slide ``slide_index`` is on screen from ``start`` to ``end`` seconds."""

    slide_index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


# --- slide timing -------------------------------------------------------------------


def _normalize(text: str) -> str:
    """Letters and digits only, case-folded: punctuation and spacing differ between script and cues."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _cue_positions(segments: list[tuple[int, str]], cues: Sequence[CueLike]) -> list[int | None]:
    """For each cue, the slide whose article text it speaks (None if not found).

    Cues are searched forward through the article text in reading order: an
    exact match first, then the longest common run inside a window ahead
    (narration adds "第一，" or "要点：" and spells numbers out).
    """
    full = ""
    owners: list[int] = []
    for slide_index, text in segments:
        norm = _normalize(text)
        full += norm
        owners.extend([slide_index] * len(norm))
    result: list[int | None] = []
    position = 0
    for cue in cues:
        norm = _normalize(cue.text)
        if not norm or not full:
            result.append(None)
            continue
        found = full.find(norm, position)
        if found < 0:
            window_end = min(len(full), position + 3 * len(norm) + 200)
            window = full[position:window_end]
            match = difflib.SequenceMatcher(None, norm, window, autojunk=False).find_longest_match(
                0, len(norm), 0, len(window)
            )
            if match.size >= max(2, int(len(norm) * 0.4)):
                found = position + match.b
                norm = norm[match.a : match.a + match.size]
        if found < 0:
            result.append(None)
            continue
        result.append(owners[found])
        position = found + len(norm)
    return result


def _by_text_length(specs: Sequence[SlideSpec], duration: float) -> list[TimelineEntry]:
    """Fallback timing: each slide's share of the article text sets its share of time.

    A fixed allowance per slide keeps one-line key points from flashing by.
    """
    weights = [_SLIDE_ALLOWANCE_CHARS + len(_normalize(" ".join(spec.narration))) for spec in specs]
    total = sum(weights)
    entries: list[TimelineEntry] = []
    start = 0.0
    for index, weight in enumerate(weights):
        end = duration if index == len(weights) - 1 else start + duration * weight / total
        entries.append(TimelineEntry(index, start, end))
        start = end
    return entries


def _merge_runs(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    merged: list[TimelineEntry] = []
    for entry in entries:
        if entry.duration <= 0:
            continue
        if merged and merged[-1].slide_index == entry.slide_index:
            merged[-1] = TimelineEntry(entry.slide_index, merged[-1].start, entry.end)
        else:
            merged.append(entry)
    return merged


def _drop_flashes(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Give appearances shorter than _MIN_ENTRY_S to the previous slide."""
    kept: list[TimelineEntry] = []
    for entry in entries:
        if kept and entry.duration < _MIN_ENTRY_S:
            kept[-1] = TimelineEntry(kept[-1].slide_index, kept[-1].start, entry.end)
        else:
            kept.append(entry)
    if len(kept) > 1 and kept[0].duration < _MIN_ENTRY_S:
        kept[1] = TimelineEntry(kept[1].slide_index, 0.0, kept[1].end)
        kept.pop(0)
    return _merge_runs(kept)


def _reserve_card(
    entries: list[TimelineEntry], slide_index: int, duration: float, *, at_end: bool
) -> list[TimelineEntry]:
    """Make sure the title/end card is shown, borrowing time from its neighbour."""
    if any(e.slide_index == slide_index for e in entries):
        return entries
    seconds = min(_END_CARD_S if at_end else _TITLE_CARD_S, duration * _CARD_SHARE_MAX)
    if at_end:
        cut = duration - seconds
        trimmed = [TimelineEntry(e.slide_index, e.start, min(e.end, cut)) for e in entries if e.start < cut]
        return _merge_runs([*trimmed, TimelineEntry(slide_index, cut, duration)])
    trimmed = [TimelineEntry(e.slide_index, max(e.start, seconds), e.end) for e in entries if e.end > seconds]
    return _merge_runs([TimelineEntry(slide_index, 0.0, seconds), *trimmed])


def slide_timeline(
    specs: Sequence[SlideSpec], cues: Sequence[CueLike], duration: float, *, end_hold: float = 0.0
) -> tuple[list[TimelineEntry], list[str]]:
    """When each slide is on screen, following the narration.

    A slide appears when the first cue speaking its text starts and stays
    until the next slide's first cue (pauses stay on the current slide). The
    title card covers the start and the end card the finish (borrowing a few
    seconds if the narration does not read them). The entries cover exactly
    [0, duration]; with ``end_hold``, an end card (the last spec, kind "end")
    instead starts when the narration ends and the entries cover
    [0, duration + end_hold].
    """
    if duration <= 0:
        raise VideoRenderError(f"narration duration must be positive, got {duration}")
    if not specs:
        raise VideoRenderError("there are no slides to show")
    if end_hold > 0 and len(specs) > 1 and specs[-1].kind == "end":
        # The end card is not timed to the voice: it follows the last sentence and holds in quiet.
        entries, warnings = slide_timeline(specs[:-1], cues, duration, end_hold=0)
        return [*entries, TimelineEntry(len(specs) - 1, duration, duration + end_hold)], warnings
    warnings = []
    segments = [(index, text) for index, spec in enumerate(specs) for text in spec.narration]
    owners = _cue_positions(segments, cues)
    matched = sum(owner is not None for owner in owners)
    if not cues or matched < _MIN_MATCHED_SHARE * len(cues):
        if cues:
            warnings.append(
                f"only {matched} of {len(cues)} caption cues match the article text; slides are timed by text length"
            )
        entries = _by_text_length(specs, duration)
    else:
        entries = []
        current = 0
        for cue, owner in zip(cues, owners, strict=True):
            if owner is None or owner == current:
                continue
            start = min(max(cue.start, 0.0), duration)
            entries.append(TimelineEntry(current, entries[-1].end if entries else 0.0, start))
            current = owner
        entries.append(TimelineEntry(current, entries[-1].end if entries else 0.0, duration))
        entries = _merge_runs(entries)
    entries = _drop_flashes(entries)
    entries = _reserve_card(entries, 0, duration, at_end=False)
    entries = _reserve_card(entries, len(specs) - 1, duration, at_end=True)
    return entries, warnings


# --- burned-in captions ---------------------------------------------------------------


@dataclass(frozen=True)
class CaptionEvent:
    """One burned-in caption: already wrapped lines, at most the band's line count."""

    start: float
    end: float
    lines: tuple[str, ...]


def caption_events(cues: Sequence[CueLike], layout: SlideLayout, face: FontFace, duration: float) -> list[CaptionEvent]:
    """Wrap cue text to the caption band; split cues that need more lines over time.

    A long sentence becomes consecutive captions of ``caption_max_lines``
    lines each, sharing the cue's time in proportion to their length.
    """
    font = face.at(layout.caption_font_px)
    # 2 % slack: libass and Pillow hint glyphs differently, the box must still fit the band.
    max_width = 0.98 * (layout.caption_band.right - layout.caption_band.left - 2 * layout.caption_padding)
    per_event = layout.caption_max_lines
    events: list[CaptionEvent] = []
    for cue in sorted(cues, key=lambda c: c.start):
        start, end = max(0.0, cue.start), min(duration, cue.end)
        if end <= start or not cue.text.strip():
            continue
        lines = wrap_text(_single_line(cue.text), font, max_width)
        chunks = [tuple(lines[i : i + per_event]) for i in range(0, len(lines), per_event)]
        weights = [sum(len(line) for line in chunk) for chunk in chunks]
        total = sum(weights)
        t = start
        for chunk, weight in zip(chunks, weights, strict=True):
            chunk_end = end if chunk is chunks[-1] else t + (end - start) * weight / total
            events.append(CaptionEvent(t, chunk_end, chunk))
            t = chunk_end
    return events


def _ass_font_size(face: FontFace, em_px: int) -> float:
    """ASS font size giving an em of ``em_px``: libass sizes by ascent+descent, not em.

    The ratio is measured at 1000 px so Pillow's integer rounding does not skew it.
    """
    ascent, descent = face.at(1000).getmetrics()
    return em_px * (ascent + descent) / 1000


def _ass_time(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


_ASS_UNSAFE = str.maketrans({"\\": "＼", "{": "｛", "}": "｝", "\n": " "})


def write_ass(events: Sequence[CaptionEvent], path: Path, layout: SlideLayout, face: FontFace, *, fps: int) -> Path:
    """Write an ASS script that libass renders at exactly the pixel sizes we measured.

    PlayRes equals the frame, so units are pixels; the ASS font size is the
    font's ascent+descent at our em size (libass scales by that, not by em);
    WrapStyle 2 disables libass's own wrapping. BorderStyle 4 draws one
    translucent box behind the whole caption. Event times (already on the
    frame grid) are written half a frame early, so the frame stamped exactly
    on a boundary shows the new caption despite centisecond rounding.
    """
    lead = 0.5 / fps
    band = layout.caption_band
    pad = layout.caption_padding
    style = ",".join(
        str(v)
        for v in (
            "Caption",
            face.family,
            f"{_ass_font_size(face, layout.caption_font_px):.2f}",
            "&H00FFFFFF",
            "&H00FFFFFF",
            "&H00000000",
            "&H50000000",  # text, karaoke, outline, box (~70 % opaque)
            0,
            0,
            0,
            0,
            100,
            100,
            0,
            0,
            4,
            pad,
            0,  # BorderStyle 4 (box per event), box padding, no shadow
            2,  # bottom centre
            band.left + pad,
            layout.width - band.right + pad,
            layout.height - band.bottom + pad,
            1,
        )
    )
    header = (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {layout.width}\nPlayResY: {layout.height}\n"
        "WrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
        "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: {style}\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    body = "".join(
        f"Dialogue: 0,{_ass_time(max(0.0, e.start - lead))},{_ass_time(e.end - lead)},Caption,,0,0,0,,"
        + r"\N".join(line.translate(_ASS_UNSAFE) for line in e.lines)
        + "\n"
        for e in events
    )
    path = Path(path)
    path.write_text(header + body, encoding="utf-8")
    return path


# --- frame grid ------------------------------------------------------------------------


def _snap(seconds: float, fps: int) -> float:
    return round(seconds * fps) / fps


def snap_to_frames(
    timeline: Sequence[TimelineEntry], events: Sequence[CaptionEvent], fps: int, duration: float
) -> tuple[list[TimelineEntry], list[CaptionEvent]]:
    """Move every slide and caption change onto the output frame grid.

    A change can only happen on a frame of the grid; doing the rounding here (once, for both) keeps slide
    changes, concat entries and caption events exactly aligned. Whatever becomes empty is dropped.
    """
    entries = [
        TimelineEntry(
            e.slide_index,
            0.0 if i == 0 else _snap(e.start, fps),
            duration if i == len(timeline) - 1 else _snap(e.end, fps),
        )
        for i, e in enumerate(timeline)
    ]
    snapped_events: list[CaptionEvent] = []
    for event in events:
        start, end = _snap(event.start, fps), min(_snap(event.end, fps), duration)
        if snapped_events and start < snapped_events[-1].end:
            start = snapped_events[-1].end
        if end > start:
            snapped_events.append(CaptionEvent(start, end, event.lines))
    return _merge_runs(entries), snapped_events


# --- encoding ------------------------------------------------------------------------


_FILTER_SPECIAL = re.compile(r"([\\'\[\],;:])")


def _filter_value(value: str) -> str:
    """Escape a path for an ffmpeg filter option inside a filtergraph (two levels)."""
    level1 = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return _FILTER_SPECIAL.sub(r"\\\1", level1)


def _font_dir(face: FontFace, work_dir: Path) -> Path:
    """A directory holding only the caption font, so libass loads one file, not all."""
    fonts = work_dir / "fonts"
    fonts.mkdir(exist_ok=True)
    link = fonts / face.path.name
    if not link.exists():
        try:
            link.symlink_to(face.path)
        except OSError:
            shutil.copyfile(face.path, link)
    return fonts


# --- composition (moviepy) -------------------------------------------------------------


@dataclass(frozen=True)
class _Drift:
    """A slow Ken Burns move over one illustration, for as long as its section is on screen.

    ``source`` is the picture cropped to :data:`KEN_BURNS_ZOOM` times the box, so the move never
    upscales; it starts from the slide's own framing (the whole source, as drawn on the PNG) and
    ends ``zoom`` closer, drifting sideways, so the first frame matches the slide it fades in from.
    """

    source: Image.Image
    backdrop: np.ndarray  # the slide's pixels under the box: what shows outside the rounded corners
    corners: np.ndarray  # opacity (0-255) of the rounded picture over its box
    radius: int
    start: float
    duration: float
    zoom: float
    rightwards: bool

    def crop(self, t: float) -> tuple[float, float, float, float]:
        """The part of ``source`` (left, top, width, height) shown in the box at time ``t``."""
        p = min(max((t - self.start) / self.duration, 0.0), 1.0)
        p = p * p * (3 - 2 * p)  # ease in and out: no jolt where the move starts or stops
        scale = 1 + (self.zoom - 1) * p
        crop_w, crop_h = self.source.width / scale, self.source.height / scale
        left = (self.source.width - crop_w) * (0.5 + (0.35 if self.rightwards else -0.35) * p)
        return left, (self.source.height - crop_h) * 0.5, crop_w, crop_h

    def moved_px(self, a: float, b: float) -> float:
        """How far (output pixels) the picture's content moved between times ``a`` and ``b``, at its fastest corner."""
        h, w = self.backdrop.shape[:2]
        (l0, t0, w0, h0), (l1, t1, w1, h1) = self.crop(a), self.crop(b)
        # a source point shown at output x at time a is shown at (l0 + x*w0/w - l1) * w/w1 at time b
        return float(
            max(
                max(abs((l0 + x * w0 / w - l1) * w / w1 - x) for x in (0, w)),
                max(abs((t0 + y * h0 / h - t1) * h / h1 - y) for y in (0, h)),
            )
        )

    def frames(self, begin: float, end: float, fps: int) -> list[int]:
        """The frames of the ``fps`` grid in [begin, end) that the move needs: one each DRIFT_STEP_PX of movement."""
        first, stop = round(begin * fps), round(end * fps)
        kept = [first]
        for frame in range(first + 1, stop):
            if self.moved_px(kept[-1] / fps, frame / fps) >= DRIFT_STEP_PX:
                kept.append(frame)
        return kept

    def paint(self, t: float, out: np.ndarray) -> None:
        """Draw the picture at time ``t`` into ``out`` (the box's pixels of a frame)."""
        h, w = self.backdrop.shape[:2]
        left, top, crop_w, crop_h = self.crop(t)
        out[:] = np.asarray(
            self.source.resize((w, h), Image.Resampling.BILINEAR, box=(left, top, left + crop_w, top + crop_h))
        )
        r = self.radius
        for rows in (slice(0, r), slice(h - r, h)):
            for cols in (slice(0, r), slice(w - r, w)):
                alpha = self.corners[rows, cols, None].astype(np.uint16)
                out[rows, cols] = (out[rows, cols] * alpha + self.backdrop[rows, cols] * (255 - alpha)) // 255


def _drifts(
    renderer: SlideRenderer,
    rendered: Sequence[RenderedSlide],
    timeline: Sequence[TimelineEntry],
) -> dict[int, tuple[_Drift, TextBox]]:
    """One move per run of consecutive appearances showing the same picture in the same place.

    A section shows its illustration on every sentence's slide: the move carries on across
    them, so only the words change at a slide change.
    """
    drifts: dict[int, tuple[_Drift, TextBox]] = {}
    run_start = runs = 0
    for n in range(1, len(timeline) + 1):
        first = rendered[timeline[run_start].slide_index]
        if n < len(timeline):
            slide = rendered[timeline[n].slide_index]
            if (
                slide.illustration_box is not None
                and slide.illustration_box == first.illustration_box
                and slide.spec.images == first.spec.images
            ):
                continue
        box = first.illustration_box
        if box is not None:
            size = (box.right - box.left, box.bottom - box.top)
            source = renderer.picture(
                first.spec, (math.ceil(size[0] * KEN_BURNS_ZOOM), math.ceil(size[1] * KEN_BURNS_ZOOM))
            )
            if source is not None:
                radius = renderer.px(28)  # as the slide rounds the picture
                corners = Image.new("L", size, 0)
                ImageDraw.Draw(corners).rounded_rectangle((0, 0, *size), radius=radius, fill=255)
                begin, end = timeline[run_start].start, timeline[n - 1].end
                backdrop = np.asarray(first.image.crop((box.left, box.top, box.right, box.bottom)))
                zoom = 1 + min(KEN_BURNS_ZOOM - 1, KEN_BURNS_ZOOM_PER_S * (end - begin))
                drift = _Drift(
                    source, backdrop, np.asarray(corners), radius, begin, end - begin, zoom, rightwards=runs % 2 == 0
                )  # alternate directions from section to section
                runs += 1
                drifts.update({index: (drift, box) for index in range(run_start, n)})
        run_start = n
    return drifts


@dataclass(frozen=True)
class _Composition:
    """The video picture as one moviepy clip, and which of its moments need a frame of their own."""

    clip: VideoClip
    moving: frozenset[int]  # frames of the grid a drift or a crossfade needs (and the first still one after each)
    poster_t: float


def _compose(
    renderer: SlideRenderer, rendered: Sequence[RenderedSlide], timeline: Sequence[TimelineEntry], fps: int
) -> _Composition:
    """Slides chained in time, illustrations drifting, each change a short crossfade, all in moviepy.

    Each appearance is a clip: an ``ImageClip`` of the slide, or where the illustration moves a
    ``VideoClip`` whose frame is the slide with the drifting picture pasted in. A change of slide
    is a ``CompositeVideoClip`` of the outgoing clip's tail under the incoming clip's head with
    ``CrossFadeIn``; the pieces are chained with ``concatenate_videoclips``. So only crossfades
    pay for blending, and a still stretch is the slide's array, composed once.
    """
    arrays = {index: np.asarray(rendered[index].image) for index in {e.slide_index for e in timeline}}
    drifts = _drifts(renderer, rendered, timeline)
    buffers: dict[int, np.ndarray] = {}  # a frame buffer per moving slide: each frame repaints only the picture's box

    def appearance(n: int, at: float, duration: float) -> VideoClip:
        """Entry ``n``'s slide as a clip whose local time 0 is ``at`` seconds into the video."""
        slide_index = timeline[n].slide_index
        still = arrays[slide_index]
        if n not in drifts:
            return ImageClip(still).with_duration(duration)
        drift, box = drifts[n]
        # one buffer per slide will do: a crossfade is always between two different slides
        picture = buffers.setdefault(slide_index, still.copy())

        def frame(t: float) -> np.ndarray:
            drift.paint(at + t, picture[box.top : box.bottom, box.left : box.right])
            return picture

        return VideoClip(frame_function=frame, duration=duration)

    # Crossfade n (into entry n) runs over [fade_in[n], fade_in[n] + fades[n]): centred on the change, so
    # the new slide is half there when its sentence starts; the end card's starts after the last sentence.
    fades = [0.0] + [
        min(CROSSFADE_S, _snap(min(a.duration, b.duration) / 2, fps))
        for a, b in zip(timeline, timeline[1:], strict=False)
    ]
    fade_in = [0.0] + [
        e.start
        - (0.0 if n == len(timeline) - 1 and rendered[e.slide_index].spec.kind == "end" else _snap(fades[n] / 2, fps))
        for n, e in enumerate(timeline)
        if n
    ]
    # One opaque mask for all crossfades to fade (CrossFadeIn would give each its own full-frame float array).
    opaque = ColorClip(rendered[0].image.size, 1.0, is_mask=True)
    pieces: list[VideoClip] = []
    moving: set[int] = set()
    for n in range(len(timeline)):
        if fades[n] > 0:
            at, head = fade_in[n], fades[n]
            incoming = appearance(n, at, head).with_mask(opaque.with_duration(head))
            pieces.append(
                CompositeVideoClip(
                    [appearance(n - 1, at, head), incoming.with_effects([vfx.CrossFadeIn(head)])], use_bgclip=True
                ).with_duration(head)
            )
            moving.update(range(round(at * fps), round((at + head) * fps) + 1))
        begin = fade_in[n] + fades[n]
        end = fade_in[n + 1] if n + 1 < len(timeline) else timeline[-1].end
        if end > begin:
            pieces.append(appearance(n, begin, end - begin))
            if n in drifts:
                moving.update(drifts[n][0].frames(begin, end, fps))
                moving.add(round(end * fps))
    # The poster: the first illustrated slide halfway through its move (picture, heading and words),
    # else the title card once it is up.
    n = min(drifts, default=0)
    poster_t = (fade_in[n] + fades[n] + (fade_in[n + 1] if n + 1 < len(timeline) else timeline[-1].end)) / 2
    return _Composition(concatenate_videoclips(pieces, method="chain"), frozenset(moving), poster_t)


def _frame_plan(
    composition: _Composition,
    cut_points: Sequence[float],
    total: float,
    settings: EncodeSettings,
) -> list[int]:
    """Which frames of the ``fps`` grid the video carries (variable frame rate).

    Every frame of a crossfade and of a drift one per DRIFT_STEP_PX of movement, elsewhere only where the picture
    or a caption changes, at least every ``_MAX_FRAME_GAP_S`` and on every key frame time, so
    players seek and resume at once; the last frame is one frame-time before the end, so the
    stream lasts as long as the audio. Text-only stretches cost a frame a second.
    """
    fps = settings.fps
    last = max(0, round(total * fps) - 1)
    keep = {0, last, *range(0, last, max(1, round(settings.keyframe_interval_s * fps))), *composition.moving}
    keep.update(round(t * fps) for t in cut_points)
    frames = sorted(f for f in keep if 0 <= f <= last)
    gap = max(1, round(_MAX_FRAME_GAP_S * fps))
    filled = [frames[0]]
    for frame in frames[1:]:
        filled.extend(range(filled[-1] + gap, frame, gap))
        filled.append(frame)
    return filled


def _setpts(frames: Sequence[int]) -> str:
    """``setpts`` expression that puts the n-th piped frame on its grid slot (time base = 1/fps).

    The slot is N plus the slots skipped before frame N: a step function, written as a balanced
    tree of ``if(lt(N,k),…,…)`` so that its nesting grows with the log of the number of steps
    (ffmpeg's expression parser refuses deep nesting; a flat sum of a hundred terms is too deep).
    """
    starts, offsets = [0], [frames[0] if frames else 0]
    for n, (previous, frame) in enumerate(zip(frames, frames[1:], strict=False), 1):
        if frame - previous > 1:
            starts.append(n)
            offsets.append(offsets[-1] + frame - previous - 1)

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return str(offsets[lo])
        mid = (lo + hi) // 2
        return f"if(lt(N,{starts[mid]}),{tree(lo, mid)},{tree(mid, hi)})"

    return f"N+{tree(0, len(starts))}"


def _encode(
    composition: _Composition,
    frames: Sequence[int],
    audio: Path,
    audio_is_final: bool,
    ass: Path | None,
    fonts: Path,
    clean_out: Path,
    captioned_out: Path | None,
    settings: EncodeSettings,
    title: str,
    total_s: float,
    work: Path,
) -> None:
    """One ffmpeg run fed raw frames over a pipe: the clean video and (with ``ass``) the captioned one.

    moviepy composes each frame once, at the output size; ffmpeg stamps it on its grid slot
    (``setpts``), converts it to YUV once and ``split`` feeds two encoders: the clean file the
    reading page plays (captions as a ``<track>``) and the captioned one (libass burns the cues)
    for downloads and social posts.
    """
    width, height = composition.clip.size
    keyint = max(1, round(settings.fps * settings.keyframe_interval_s))
    video_options = [
        "-fps_mode",
        "passthrough",
        "-video_track_timescale",
        str(settings.fps * 100),
        "-c:v",
        "libx264",
        "-preset",
        settings.preset,
        "-tune",
        "stillimage",
        "-crf",
        str(settings.crf),
        "-maxrate",
        f"{settings.max_bitrate_kbps}k",
        "-bufsize",
        f"{2 * settings.max_bitrate_kbps}k",
        # key frames by time, since frames are not evenly spaced
        "-force_key_frames",
        f"expr:gte(t,n_forced*{settings.keyframe_interval_s})",
        "-g",
        str(keyint),
        "-bf",
        "0",  # no reordering: with uneven frames B-frames save little and shorten the track
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        f"{settings.audio_bitrate_kbps}k",
        "-t",
        f"{total_s:.3f}",
        "-movflags",
        "+faststart",
        "-metadata",
        f"title={title}",
        "-f",
        "mp4",
    ]
    # The voice is padded with silence through the end-card hold (-t ends both streams together).
    video = f"[0:v:0]setpts='{_setpts(frames)}',format=yuv420p"
    audio_graph = "[1:a:0]anull[kp_audio]" if audio_is_final else "[1:a:0]apad[kp_audio]"
    if ass is not None and captioned_out is not None:
        burn = f"ass=filename={_filter_value(str(ass))}:fontsdir={_filter_value(str(fonts))}"
        graph = f"{video},split=2[clean][b];[b]{burn}[burned];{audio_graph};[kp_audio]asplit=2[a1][a2]"
        outputs = [
            "-map",
            "[clean]",
            "-map",
            "[a1]",
            *video_options,
            str(clean_out),
            "-map",
            "[burned]",
            "-map",
            "[a2]",
            *video_options,
            str(captioned_out),
        ]
    else:
        graph = f"{video}[clean];{audio_graph};[kp_audio]anull[a1]"
        outputs = ["-map", "[clean]", "-map", "[a1]", *video_options, str(clean_out)]
    script = work / "filtergraph.txt"
    script.write_text(graph, encoding="utf-8")
    args = [
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-framerate",
        str(settings.fps),
        "-i",
        "pipe:0",
        "-i",
        str(audio),
        "-/filter_complex",
        str(script),
        *outputs,
    ]
    _pipe_frames(
        args,
        (composition.clip.get_frame(frame / settings.fps) for frame in frames),
        timeout=settings.timeout_s,
        log=work / "ffmpeg.log",
    )


def _pipe_frames(args: list[str], frames: Iterable[np.ndarray], *, timeout: float, log: Path) -> None:
    """Run ffmpeg with ``args`` and write ``frames`` (RGB arrays) to its stdin; FFmpegError on failure."""
    deadline = time.monotonic() + timeout
    with log.open("wb") as stderr:
        try:
            # a 1 MiB pipe (Linux's default limit) rather than 64 KiB: a frame is megabytes, so fewer wake-ups
            proc = subprocess.Popen(
                [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                pipesize=1 << 20,
            )
        except OSError as exc:
            raise FFmpegError(f"could not start ffmpeg: {exc}") from exc
        assert proc.stdin is not None  # noqa: S101 - for the type checker: stdin=PIPE always sets it
        try:
            for frame in frames:
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(args, timeout)
                proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).data.cast("B"))
            proc.stdin.close()
            returncode = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except BrokenPipeError:
            returncode = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise FFmpegError(
                f"ffmpeg timed out after {timeout:g}s", stderr_tail=log.read_text("utf-8", "replace")[-2000:]
            ) from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if returncode != 0:
        raise FFmpegError(
            f"ffmpeg failed with exit code {returncode}",
            stderr_tail=log.read_text("utf-8", "replace")[-2000:],
            returncode=returncode,
        )


def _clean_cues(cues: Sequence[CueLike], duration: float) -> list[Cue]:
    """Cues clipped to the audio, empty and zero-length ones dropped, in time order."""
    cleaned: list[Cue] = []
    for cue in cues:
        start, end, text = max(0.0, float(cue.start)), min(duration, float(cue.end)), cue.text.strip()
        if text and end > start:
            cleaned.append(Cue(start=start, end=end, text=text))
    return sorted(cleaned, key=lambda c: c.start)


def _single_line(text: str) -> str:
    """Join a cue's own line breaks: nothing between Chinese characters, a space otherwise."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = lines[0] if lines else ""
    for line in lines[1:]:
        wide = unicodedata.east_asian_width(joined[-1]) in ("W", "F") and unicodedata.east_asian_width(line[0]) in (
            "W",
            "F",
        )
        joined += ("" if wide else " ") + line
    return " ".join(joined.split(" "))


def render_video(
    document: ArticleDocument,
    narration: NarrationTrack,
    out_dir: str | Path,
    *,
    orientation: Orientation = "portrait",
    basename: str = "video",
    settings: EncodeSettings | None = None,
    work_dir: str | Path | None = None,
    wording: SlideWording | None = None,
) -> VideoResult:
    """Render the article's narrated slideshow; see the module docstring.

    Writes ``{basename}.mp4`` (and ``-captioned.mp4``), ``.jpg`` (poster: the
    first illustrated slide mid-move), ``.vtt`` and ``.srt`` into ``out_dir``.
    Intermediates (ASS captions, filtergraph, encoder log) go to a temporary
    directory, or to ``work_dir`` if given (kept, with the slides as PNGs).
    Unreadable illustrations are skipped and reported in ``warnings``.
    """
    settings = settings or EncodeSettings()
    width, height = frame_size(orientation)
    audio = Path(narration.mp3_path)
    if not audio.is_file():
        raise VideoRenderError(f"narration audio {audio} does not exist")
    if not re.fullmatch(r"[\w.-]+", basename):
        raise VideoRenderError(f"basename must be a plain file name, got {basename!r}")
    warnings: list[str] = []
    duration = probe_duration(audio)
    if abs(duration - float(narration.duration_s)) > _DURATION_MISMATCH_S:
        warnings.append(
            f"narration says {narration.duration_s:.2f}s but the audio lasts {duration:.2f}s; using the audio"
        )
    if duration <= 0:
        raise VideoRenderError(f"narration audio {audio} is empty")
    cues = _clean_cues(narration.cues, duration)
    if not cues:
        warnings.append("the narration has no caption cues: the video has no captions")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kepu-video-") as scratch:
        work = Path(work_dir) if work_dir is not None else Path(scratch)
        work.mkdir(parents=True, exist_ok=True)

        renderer = SlideRenderer(document, width, height)
        specs = plan_slides(document, wording)
        # the slides' PNGs are written only where the intermediates are kept: the encoder gets the pixels
        rendered = renderer.render_all(specs, work / "slides" if work_dir is not None else None)
        for slide in rendered:
            warnings.extend(slide.warnings)

        face = renderer.regular
        timeline, timing_warnings = slide_timeline(specs, cues, duration, end_hold=END_HOLD_S)
        warnings.extend(timing_warnings)
        total = _snap(timeline[-1].end, settings.fps)
        timeline, events = snap_to_frames(
            timeline, caption_events(cues, renderer.layout, face, duration), settings.fps, total
        )
        composition = _compose(renderer, rendered, timeline, settings.fps)
        ass = write_ass(events, work / "captions.ass", renderer.layout, face, fps=settings.fps) if events else None
        frames = _frame_plan(composition, [t for event in events for t in (event.start, event.end)], total, settings)
        partial = out_dir / f".{basename}.mp4.part"
        mp4 = out_dir / f"{basename}.mp4"
        captioned_partial = out_dir / f".{basename}-captioned.mp4.part" if ass is not None else None
        captioned = out_dir / f"{basename}-captioned.mp4" if ass is not None else None
        sound = mix_bed(audio, total, work / "voice-and-bed.wav") if settings.music_bed else audio
        _encode(
            composition,
            frames,
            sound,
            settings.music_bed,
            ass,
            _font_dir(face, work),
            partial,
            captioned_partial,
            settings,
            document.title,
            total,
            work,
        )
        os.replace(partial, mp4)
        if captioned_partial is not None and captioned is not None:
            os.replace(captioned_partial, captioned)

        poster = out_dir / f"{basename}.jpg"
        Image.fromarray(composition.clip.get_frame(composition.poster_t)).save(
            poster, "JPEG", quality=86, optimize=True, progressive=True
        )
        composition.clip.close()

    vtt = write_vtt(cues, out_dir / f"{basename}.vtt", language=document.language)
    srt = write_srt(cues, out_dir / f"{basename}.srt", language=document.language)
    return VideoResult(
        mp4_path=mp4,
        poster_path=poster,
        vtt_path=Path(vtt),
        srt_path=Path(srt),
        width=width,
        height=height,
        duration_s=probe_duration(mp4),
        warnings=tuple(dict.fromkeys(warnings)),
        captioned_mp4_path=captioned,
    )
