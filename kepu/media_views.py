"""Serving uploaded media in the embedded set-up (production serves them from object storage or the proxy).

Public pages use renditions (``images/…``) and media renders; everything else
— the uploaded originals (``original_images/…``), recordings, documents — is
for the studio's staff only, by the same rule as object storage
(``kepu.media_storage.is_public_media``), so a picture that is not yet in any
published article cannot be fetched by guessing its URL (its name is random
too, see ``Illustration.get_upload_to``).
"""

from __future__ import annotations

from django.http import Http404

from kepu.media_storage import is_public_media
from media_pipeline.serving import serve_media


def media(request, path: str):
    if not is_public_media(path) and not (
        request.user.is_authenticated and request.user.has_perm("wagtailadmin.access_admin")
    ):
        raise Http404
    try:
        return serve_media(request, path)
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte…: no such file
        raise Http404 from None
