"""The narrated audio and video of an article, as feeds and partners link them.

The media pipeline owns the rendered files. It exposes them through
:func:`media_pipeline.outputs.published_media`, items with ``url`` (absolute,
or a path on our public site), ``mime_type`` and ``length`` (bytes),
optionally ``duration`` in seconds. Audio and video items become enclosures;
the rest (subtitles, posters, share images) are not enclosures and are left
out. An audio or video item that breaks the contract is a bug and raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from media_pipeline import outputs

AUDIO_MIME_TYPES = frozenset({"audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg"})
VIDEO_MIME_TYPES = frozenset({"video/mp4", "video/webm"})


@dataclass(frozen=True)
class Enclosure:
    url: str  # absolute public URL of the file
    mime_type: str
    length: int  # bytes
    duration_s: float | None = None

    @property
    def is_audio(self) -> bool:
        return self.mime_type in AUDIO_MIME_TYPES


def enclosures_for(article: Any) -> list[Enclosure]:
    """The article's published media, audio first (RSS allows only one enclosure and podcasts want audio)."""
    media = outputs.published_media(article)
    enclosures = [_checked(item) for item in media if _mime_type(item) in AUDIO_MIME_TYPES | VIDEO_MIME_TYPES]
    return sorted(enclosures, key=lambda enclosure: (not enclosure.is_audio, enclosure.mime_type))


def _mime_type(item: Any) -> str:
    return str(getattr(item, "mime_type", "") or "").split(";")[0].strip().lower()


def _checked(item: Any) -> Enclosure:
    where = "media_pipeline.outputs.published_media"
    url = str(getattr(item, "url", "") or "")
    mime_type = _mime_type(item)
    length = getattr(item, "length", None)
    duration = getattr(item, "duration", None)
    if url.startswith("/"):
        url = settings.KEPU_PUBLIC_BASE_URL.rstrip("/") + url
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{where} returned a media item without an absolute URL or site path: {url!r}")
    if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
        raise ValueError(f"{where} returned {url} without a positive byte length (got {length!r})")
    if duration is not None:
        duration = float(duration)
    return Enclosure(url=url, mime_type=mime_type, length=length, duration_s=duration)
