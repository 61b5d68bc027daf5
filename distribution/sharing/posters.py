"""Video posters sized for the screen that shows them.

The video renders keep a full-size poster frame (1080×1920, 1920×1080): right for
the downloads, far too heavy as the first picture on a phone, where the poster is the
page's largest element (its LCP). The reading page shows a copy made to fit
:data:`POSTER_BOX` instead: made once per render, the first time a reading page
with it is rendered, and kept beside the original under ``media-renders/`` (public,
never expiring, named after the render's own file, so a new render gets a new copy).

JPEG rather than WebP: older iPhones, still common among elderly patients, do not
decode WebP, and a ``poster`` attribute has no fallback.
"""

from __future__ import annotations

import io
import logging
import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from media_pipeline.outputs import PublishedMedia

logger = logging.getLogger(__name__)

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
    if box is None or not poster.name or (poster.width and poster.height and poster.width <= box[0]
                                          and poster.height <= box[1]):
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
