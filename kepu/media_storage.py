"""Object storage for media: public files get permanent URLs, everything else stays private.

What leaves the studio — feed enclosures, partner payloads, messages, share
pages — carries ``storage.url(name)``. django-storages signs every URL by
default (``X-Amz-Expires=3600``), so links in a feed or a text message died
after an hour and every feed request had a new body and ETag. Here:

- names under ``PUBLIC_PREFIXES`` (Wagtail's renditions, the media renders)
  get a plain, unsigned URL: on ``AWS_S3_CUSTOM_DOMAIN`` (a CDN) when set, else
  on the bucket's own address. The bucket must let anyone read exactly those
  prefixes (the README gives the bucket policy), or, where the provider uses
  object ACLs, ``AWS_PUBLIC_MEDIA_ACL=public-read`` marks them on upload;
- every other name (uploaded originals, recordings, documents, anything new)
  is private: its URL is presigned and short-lived, for the staff's admin
  pages only, and the object is never readable without a signature.

The local set-up follows the same rule in ``kepu.media_views``.
"""

from __future__ import annotations

from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

__all__ = ["PUBLIC_PREFIXES", "PublicMediaStorage", "is_public_media"]

CHECKSUM_MODES = ("when_supported", "when_required")

PUBLIC_PREFIXES = ("images/", "media-renders/")


def is_public_media(name: str) -> bool:
    """Whether ``name`` may be read by anyone (renditions and media renders); all else is staff-only."""
    return clean_name(name).lstrip("/").startswith(PUBLIC_PREFIXES)


class PublicMediaStorage(S3Storage):
    """``S3Storage`` whose URLs are permanent for public names and presigned for private ones.

    ``public_acl`` (``AWS_PUBLIC_MEDIA_ACL``) is the canned ACL public uploads
    get on providers that use ACLs; private uploads then get ``private``.
    Leave it empty when a bucket policy grants the public read (AWS buckets
    refuse ACL headers by default).
    """

    def __init__(
        self,
        *,
        public_acl: str | None = None,
        request_checksum_calculation: str | None = None,
        response_checksum_validation: str | None = None,
        **settings,
    ):
        settings.setdefault("querystring_auth", True)
        settings.setdefault("signature_version", "s3v4")  # botocore still presigns with SigV2 in us-east-1
        super().__init__(**settings)
        self.public_acl = public_acl or None
        checksums = {
            "request_checksum_calculation": request_checksum_calculation,
            "response_checksum_validation": response_checksum_validation,
        }
        for option, value in checksums.items():
            if value and value not in CHECKSUM_MODES:
                raise ImproperlyConfigured(f"{option} must be one of {', '.join(CHECKSUM_MODES)}, not {value!r}")
        checksums = {option: value for option, value in checksums.items() if value}
        if checksums:
            # botocore 1.36+ adds CRC checksums to every upload by default, which many S3-compatible
            # services (older MinIO, Aliyun OSS, Tencent COS) refuse; "when_required" sends them only when needed.
            self.client_config = self.client_config.merge(Config(**checksums))

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not is_public_media(name) or parameters or http_method not in (None, "GET"):
            return self._private_url(name, parameters, expire, http_method)
        if self.custom_domain:
            return super().url(name)
        name = self._normalize_name(clean_name(name))
        # The unsigned client builds the bucket's address for the addressing style in use, without a signature.
        return self.unsigned_connection.meta.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket.name, "Key": name}
        )

    def _private_url(self, name, parameters, expire, http_method) -> str:
        """A presigned URL on the bucket itself (a CDN in front serves only the public prefixes)."""
        params = {**(parameters or {}), "Bucket": self.bucket.name, "Key": self._normalize_name(clean_name(name))}
        return self.connection.meta.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire or self.querystring_expire, HttpMethod=http_method
        )

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        if self.public_acl:
            parameters["ACL"] = self.public_acl if is_public_media(name) else "private"
        return parameters
