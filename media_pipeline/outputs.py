"""The media the public may see: outputs of the article's live (approved) revision only.

Used by the reading page (audio player, video, captions, share images) and
by the feeds (enclosures need ``url``, ``mime_type`` and ``length``).
Media of an older revision is not shown after a newer one is approved: the
narration of outdated medical advice is worse than no narration, and the
new renders are queued at publish time.

The reading page shows the video poster as a copy fitted to the screen
(:func:`screen_poster`): the full-size frame the video stage keeps (1080×1920,
1920×1080) is right for the downloads, far too heavy as the first picture on a
phone, where the poster is the page's largest element (its LCP). The copy is
made once per render, the first time a page asks for it, and kept beside the
original under ``media-renders/`` (public, never expiring, named after the
render's own file, so a new render gets a new copy). JPEG rather than WebP:
older iPhones, still common among elderly patients, do not decode WebP, and a
``poster`` attribute has no fallback.
"""

from __future__ import annotations

import io
import logging
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from cms.core.publication import approved_revision_id
from media_pipeline.models import MediaOutput, MediaRender, OutputRole, RenderKind, RenderStatus

logger = logging.getLogger(__name__)

# The order in which items are listed: audio first (feeds pick the first enclosure).
_ORDER = [
    (RenderKind.VOICE, OutputRole.MP3),
    (RenderKind.VIDEO_PORTRAIT, OutputRole.MP4),
    (RenderKind.VIDEO_LANDSCAPE, OutputRole.MP4),
    (RenderKind.VIDEO_PORTRAIT, OutputRole.MP4_CAPTIONED),
    (RenderKind.VIDEO_LANDSCAPE, OutputRole.MP4_CAPTIONED),
    (RenderKind.VOICE, OutputRole.VTT),
    (RenderKind.VOICE, OutputRole.SRT),
    (RenderKind.VIDEO_PORTRAIT, OutputRole.POSTER),
    (RenderKind.VIDEO_LANDSCAPE, OutputRole.POSTER),
    (RenderKind.IMAGES, OutputRole.COVER),
    (RenderKind.IMAGES, OutputRole.POSTER_IMAGE),
]
_PUBLISHED = set(_ORDER)


@dataclass(frozen=True)
class PublishedMedia:
    kind: str  # RenderKind value: voice, video_portrait, video_landscape, images
    role: str  # OutputRole value: mp3, vtt, srt, mp4, mp4_captioned, poster, cover, poster_image
    url: str  # absolute (KEPU_PUBLIC_BASE_URL + storage URL when the storage gives a path)
    storage_url: str  # as the storage gives it (e.g. "/media/…" locally)
    mime_type: str
    length: int  # bytes
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    revision_id: int | None = None
    name: str = ""  # the file's name in the media storage (for files derived from it, e.g. a smaller poster)


def _absolute(url: str) -> str:
    base = getattr(settings, "KEPU_PUBLIC_BASE_URL", "") or ""
    return urljoin(base.rstrip("/") + "/", url) if base and not url.startswith(("http://", "https://")) else url


def published_media(article: Any) -> list[PublishedMedia]:
    """Outputs of the latest succeeded render of each kind made from the live revision.

    Empty when the article is not live or nothing has been rendered yet.
    """
    revision_id = approved_revision_id(article)
    if revision_id is None:
        return []
    renders = MediaRender.objects.filter(
        article_id=article.pk, revision_id=revision_id, status=RenderStatus.SUCCEEDED
    ).order_by("kind", "-finished_at", "-pk")
    latest: dict[str, int] = {}
    for render_id, kind in renders.values_list("pk", "kind"):
        latest.setdefault(kind, render_id)
    outputs = MediaOutput.objects.filter(render_id__in=latest.values()).select_related("render")
    items = {}
    for output in outputs:
        key = (output.render.kind, output.role)
        if key not in _PUBLISHED:
            continue
        storage_url = output.file.url
        items[key] = PublishedMedia(
            kind=output.render.kind,
            role=output.role,
            url=_absolute(storage_url),
            storage_url=storage_url,
            mime_type=output.mime_type,
            length=output.size,
            duration=output.duration,
            width=output.width,
            height=output.height,
            revision_id=output.render.revision_id,
            name=output.file.name,
        )
    return [items[key] for key in _ORDER if key in items]


# --------------------------------------------------------------------------- posters sized for the screen

#: width × height each orientation's poster is fitted into: a phone shows the portrait video about
#: 350–430 CSS px wide (×1.5–2 device pixels), a wide screen the landscape one at most about 900 px.
POSTER_BOX = {"portrait": (540, 960), "landscape": (960, 540)}
JPEG_QUALITY = 80


def _sized_name(name: str, box: tuple[int, int]) -> str:
    stem, _ = posixpath.splitext(name)
    return f"{stem}-fit{box[0]}x{box[1]}.jpg"


def _fitted(original: bytes, box: tuple[int, int]) -> bytes | None:
    with Image.open(io.BytesIO(original)) as picture:
        if picture.width <= box[0] and picture.height <= box[1]:
            return None  # already small enough: show it as it is
        picture = picture.convert("RGB")
        picture.thumbnail(box, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        return buffer.getvalue()


def screen_poster(poster: PublishedMedia, orientation: str) -> str:
    """The URL of the poster to show for ``orientation``: the fitted copy (made now if missing), else the original."""
    box = POSTER_BOX.get(orientation)
    if (
        box is None
        or not poster.name
        or (poster.width and poster.height and poster.width <= box[0] and poster.height <= box[1])
    ):
        return poster.storage_url
    name = _sized_name(poster.name, box)
    try:
        if not default_storage.exists(name):
            with default_storage.open(poster.name, "rb") as handle:
                fitted = _fitted(handle.read(), box)
            if fitted is None:
                return poster.storage_url
            name = default_storage.save(name, ContentFile(fitted))
        return default_storage.url(name)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        # A missing or unreadable poster must not take the reading page down: show the original.
        logger.warning("poster %s not resized for the %s screen: %s", poster.name, orientation, exc)
        return poster.storage_url
