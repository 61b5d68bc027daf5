"""Serving local media files with byte ranges, for the embedded set-up (``var/media``).

Players seek by asking for a byte range, and iOS Safari refuses to play an MP4
whose server answers a range request with the whole file. Django's
``django.views.static.serve`` ignores ``Range``, so the studio serves
``MEDIA_URL`` with this view instead: one range (``bytes=a-b``, ``a-``,
``-n``) gets ``206 Partial Content`` with ``Content-Range``; a range that
starts past the end gets ``416`` with ``Content-Range: bytes */size``; a
syntactically bad or multi-range header is ignored (RFC 9110 allows it) and
the whole file is sent with ``200``. ``If-Range`` with a stale validator also
gets the whole file, so a player never stitches two versions together.

Production does not use this view. Serve ``MEDIA_URL`` from object storage
(S3, MinIO, OSS and COS all answer ranges; set ``AWS_STORAGE_BUCKET_NAME``)
or from the proxy, which answers ranges by itself::

    location /media/ {
        alias /srv/kepu/var/media/;
        add_header Accept-Ranges bytes;
        expires 7d;
        types { video/mp4 mp4; audio/mpeg mp3; text/vtt vtt; }
    }
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils._os import safe_join
from django.utils.http import http_date, parse_http_date_safe, quote_etag

__all__ = ["parse_range", "serve_media"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024
# Types the players need exactly (the platform's mimetypes table may lack them).
_TYPES = {
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".mp4": "video/mp4",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".webm": "video/webm",
    ".svg": "image/svg+xml",
}


class _Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive, for one ``bytes=`` range; None to send the whole file.

    Raises ``_Unsatisfiable`` when the range is well formed but selects nothing in ``size`` bytes.
    """
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # not bytes, several ranges, or garbage: ignore it
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: RFC 9110 says ignore the header
    if start >= size:
        raise _Unsatisfiable
    return start, min(end, size - 1)


def _etag(stat: os.stat_result) -> str:
    return quote_etag(f"{stat.st_mtime_ns:x}-{stat.st_size:x}")


def _chunks(path: Path, start: int, length: int):
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def serve_media(request: HttpRequest, path: str, document_root: str | os.PathLike | None = None) -> HttpResponse:
    """``MEDIA_URL<path>`` from ``document_root`` (default ``MEDIA_ROOT``), with byte ranges."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    root = str(document_root or settings.MEDIA_ROOT)
    try:
        full = Path(safe_join(root, path))
    except (SuspiciousFileOperation, ValueError):  # the path leaves the media folder, or holds a NUL
        raise Http404("no such file") from None
    if not full.is_file():
        raise Http404("no such file")
    stat = full.stat()
    size = stat.st_size
    etag = _etag(stat)
    last_modified = http_date(stat.st_mtime)
    content_type = _TYPES.get(full.suffix.lower()) or mimetypes.guess_type(full.name)[0] or "application/octet-stream"
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified,
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=3600",
    }

    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if etag in request.headers.get("If-None-Match", "") or (
        since is not None and "If-None-Match" not in request.headers and int(stat.st_mtime) <= since
    ):
        response = HttpResponseNotModified()
        for name, value in headers.items():
            response[name] = value
        return response

    byte_range = None
    range_header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range", "")
    if range_header and (not if_range or if_range in (etag, last_modified)):
        try:
            byte_range = parse_range(range_header, size)
        except _Unsatisfiable:
            response = HttpResponse(status=416, content_type="text/plain")
            response["Content-Range"] = f"bytes */{size}"
            response["Accept-Ranges"] = "bytes"
            return response

    if byte_range is None:
        if request.method == "HEAD":
            response = HttpResponse(content_type=content_type)
        else:
            response = FileResponse(full.open("rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = byte_range
        length = last - first + 1
        if request.method == "HEAD":
            response = HttpResponse(status=206, content_type=content_type)
        else:
            response = StreamingHttpResponse(_chunks(full, first, length), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(length)
    for name, value in headers.items():
        response[name] = value
    return response
