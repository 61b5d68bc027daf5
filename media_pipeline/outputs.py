"""The media the public may see: outputs of the article's live (approved) revision only.

Used by the reading page (audio player, video, captions, share images) and
by the feeds (enclosures need ``url``, ``mime_type`` and ``length``).
Media of an older revision is not shown after a newer one is approved: the
narration of outdated medical advice is worse than no narration, and the
new renders are queued at publish time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from django.conf import settings

from cms.core.publication import approved_revision_id

from media_pipeline.models import MediaOutput, MediaRender, OutputRole, RenderKind, RenderStatus

# The order in which items are listed: audio first (feeds pick the first enclosure).
_ORDER = [
    (RenderKind.VOICE, OutputRole.MP3), (RenderKind.VIDEO_PORTRAIT, OutputRole.MP4),
    (RenderKind.VIDEO_LANDSCAPE, OutputRole.MP4), (RenderKind.VIDEO_PORTRAIT, OutputRole.MP4_CAPTIONED),
    (RenderKind.VIDEO_LANDSCAPE, OutputRole.MP4_CAPTIONED), (RenderKind.VOICE, OutputRole.VTT),
    (RenderKind.VOICE, OutputRole.SRT), (RenderKind.VIDEO_PORTRAIT, OutputRole.POSTER),
    (RenderKind.VIDEO_LANDSCAPE, OutputRole.POSTER), (RenderKind.IMAGES, OutputRole.COVER),
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
            kind=output.render.kind, role=output.role, url=_absolute(storage_url), storage_url=storage_url,
            mime_type=output.mime_type, length=output.size, duration=output.duration, width=output.width,
            height=output.height, revision_id=output.render.revision_id, name=output.file.name,
        )
    return [items[key] for key in _ORDER if key in items]
