"""Template helpers for the article page's media and share blocks (the page also serves shared links)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django import template

from media_pipeline.models import OutputRole, RenderKind
from media_pipeline.outputs import PublishedMedia, published_media

register = template.Library()

PLAYBACK_SPEEDS = ("0.75", "1", "1.25", "1.5")
# "Read to the end" needs the end of the text on screen *and* some time on the page: a quick
# flick to the bottom is not reading. A fifth of the estimated reading time, within these bounds.
READ_END_MIN_SECONDS, READ_END_MAX_SECONDS = 3, 60


@dataclass(frozen=True)
class ReadingMedia:
    audio: PublishedMedia | None
    captions: PublishedMedia | None
    video: PublishedMedia | None
    poster: PublishedMedia | None

    @property
    def any(self) -> bool:
        return self.audio is not None or self.video is not None


@register.simple_tag
def reading_media(page) -> ReadingMedia:
    """The approved revision's narration, captions and video (landscape preferred on the page), if rendered."""
    items = {(item.kind, item.role): item for item in published_media(page)}
    video_kind = next((kind for kind in (RenderKind.VIDEO_LANDSCAPE, RenderKind.VIDEO_PORTRAIT)
                       if (kind, OutputRole.MP4) in items), None)
    return ReadingMedia(
        audio=items.get((RenderKind.VOICE, OutputRole.MP3)),
        captions=items.get((RenderKind.VOICE, OutputRole.VTT)),
        video=items.get((video_kind, OutputRole.MP4)) if video_kind else None,
        poster=items.get((video_kind, OutputRole.POSTER)) if video_kind else None,
    )


@register.simple_tag
def playback_speeds() -> tuple[str, ...]:
    return PLAYBACK_SPEEDS


@register.filter
def clock(seconds: float | None) -> str:
    """3:07 for 187.2 seconds."""
    if not seconds:
        return ""
    whole = int(math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


@register.simple_tag(takes_context=True)
def is_print_view(context: template.Context) -> bool:
    reading = context.get("reading")
    if reading is not None:
        return bool(reading["print_view"])
    request = context.get("request")
    return request is not None and request.GET.get("print") == "1"


@register.simple_tag
def read_end_seconds(page) -> int:
    estimate = page.reading_time_minutes * 60 / 5
    return int(min(READ_END_MAX_SECONDS, max(READ_END_MIN_SECONDS, estimate)))
