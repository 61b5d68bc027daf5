"""Template helpers for the article page's media and share blocks (the page also serves shared links)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django import template

from media_pipeline.models import OutputRole, RenderKind
from media_pipeline.outputs import PublishedMedia, published_media, screen_poster

register = template.Library()

PLAYBACK_SPEEDS = ("0.75", "1", "1.25", "1.5")
# "Read to the end" needs the end of the text on screen *and* some time on the page: a quick
# flick to the bottom is not reading. A fifth of the estimated reading time, within these bounds.
READ_END_MIN_SECONDS, READ_END_MAX_SECONDS = 3, 60


@dataclass(frozen=True)
class VideoVariant:
    """One orientation of the article's video: the clean file the page plays, its poster, the download."""

    orientation: str  # "portrait" or "landscape"
    video: PublishedMedia
    poster: PublishedMedia | None
    captioned: PublishedMedia | None  # captions burned in: for saving and posting elsewhere
    poster_url: str = ""  # the poster sized for the screen that shows this orientation (``outputs.screen_poster``)


@dataclass(frozen=True)
class ReadingMedia:
    audio: PublishedMedia | None
    captions: PublishedMedia | None
    videos: tuple[VideoVariant, ...]  # portrait first: the file a phone plays, and the one shown without script
    cover: PublishedMedia | None  # the 1200×630 share card (og:image)

    @property
    def any(self) -> bool:
        return self.audio is not None or bool(self.videos)

    @property
    def video(self) -> VideoVariant | None:
        return self.videos[0] if self.videos else None


_ORIENTATIONS = ((RenderKind.VIDEO_PORTRAIT, "portrait"), (RenderKind.VIDEO_LANDSCAPE, "landscape"))


@register.simple_tag
def reading_media(page) -> ReadingMedia:
    """The approved revision's narration, captions, videos (both orientations) and share card, if rendered.

    The page plays the clean videos with the narration's WebVTT as a ``<track>``: one caption
    mechanism at a time, which the reader can switch off. Captions burned into the picture are
    only in the files offered for download.
    """
    items = {(item.kind, item.role): item for item in published_media(page)}
    videos = []
    for kind, orientation in _ORIENTATIONS:
        if (kind, OutputRole.MP4) not in items:
            continue
        poster = items.get((kind, OutputRole.POSTER))
        videos.append(
            VideoVariant(
                orientation,
                items[(kind, OutputRole.MP4)],
                poster,
                items.get((kind, OutputRole.MP4_CAPTIONED)),
                screen_poster(poster, orientation) if poster is not None else "",
            )
        )
    return ReadingMedia(
        audio=items.get((RenderKind.VOICE, OutputRole.MP3)),
        captions=items.get((RenderKind.VOICE, OutputRole.VTT)),
        videos=tuple(videos),
        cover=items.get((RenderKind.IMAGES, OutputRole.COVER)),
    )


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, url: str) -> str:
    """``url`` made absolute (Open Graph needs it): as stored when already absolute, else on this host."""
    if not url or url.startswith(("http://", "https://")):
        return url
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


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
