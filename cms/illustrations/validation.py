"""Decoding checks Wagtail's own upload validation does not make.

Wagtail reads only an image's header, so a truncated or corrupt file passes
its checks and fails later, inside a rendition or a video render. Decoding the
whole file once at upload time turns that into a clear message for the doctor.
"""

from __future__ import annotations

import warnings
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image as PILImage


def verify_decodable(fileobj: BinaryIO, max_pixels: int) -> tuple[int, int]:
    """Fully decode an uploaded image; return its size or raise ValidationError."""
    position = fileobj.tell() if hasattr(fileobj, "tell") else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(fileobj) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise ValidationError(
                        _(
                            "This image is %(w)s×%(h)s pixels; the limit is %(max)s pixels in all. "
                            "Please scale it down before uploading."
                        )
                        % {"w": width, "h": height, "max": f"{max_pixels:,}"},
                        code="file_too_many_pixels",
                    )
                probe.verify()
            fileobj.seek(position)
            with PILImage.open(fileobj) as image:
                image.load()
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError(
            _("This image has too many pixels to be opened safely."), code="file_too_many_pixels"
        ) from None
    except Exception as exc:  # noqa: BLE001 - decoders raise OSError, struct.error, ValueError, …
        raise ValidationError(
            _(
                "This file could not be read as an image: it may be truncated or damaged (%(reason)s). "
                "Please export it again and re-upload."
            )
            % {"reason": str(exc) or exc.__class__.__name__},
            code="invalid_image",
        ) from None
    finally:
        fileobj.seek(position)
    return width, height
