"""Patient contact addresses encrypted at rest, with a blind index for lookups.

Phone numbers, e-mail addresses, openids and hospital ids are stored as
Fernet tokens (AES-128-CBC + HMAC-SHA256, from ``cryptography``): a copy of the
database or a backup shows no address. Finding a patient by address (CSV
de-duplication, the admin search) goes through ``address_index``, an
HMAC-SHA256 of the channel and the normalised address under a key derived from
the same secret: equal addresses give equal indexes, and the index reveals
nothing without the key.

The key comes from ``KEPU_FIELD_ENCRYPTION_KEY`` (one or more Fernet keys,
comma-separated: the first encrypts, all decrypt); development and tests derive
one from ``SECRET_KEY``. Make a key with
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``.

Rotating a key: put the new key first and keep the old one after it; lookups
try the index under every configured key, so nothing is missed meanwhile; run
``manage.py rotate_contact_key`` to re-encrypt and re-index every address under
the new key; then remove the old key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["EncryptedAddressField", "blind_index", "decrypt", "encrypt", "lookup_indexes"]

_TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - not a secret: every Fernet token starts so (version byte 0x80 + timestamp)


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kepu-studio", info=purpose).derive(secret)


@functools.cache
def _keys() -> tuple[list[bytes], list[bytes]]:
    """The Fernet keys (newest first) and, for each, the key of its blind index."""
    configured = [key.strip() for key in getattr(settings, "KEPU_FIELD_ENCRYPTION_KEYS", []) if key.strip()]
    if configured:
        try:
            raw_keys = [base64.urlsafe_b64decode(key) for key in configured]
        except ValueError:
            raise ImproperlyConfigured(
                "KEPU_FIELD_ENCRYPTION_KEY must be Fernet keys (urlsafe base64, 32 bytes)"
            ) from None
        if any(len(key) != 32 for key in raw_keys):
            raise ImproperlyConfigured("KEPU_FIELD_ENCRYPTION_KEY must be Fernet keys (urlsafe base64, 32 bytes)")
        encoded = [key.encode() for key in configured]
    else:
        raw_keys = [_derive(settings.SECRET_KEY.encode(), b"field encryption")]
        encoded = [base64.urlsafe_b64encode(raw_keys[0])]
    return encoded, [_derive(raw, b"address blind index") for raw in raw_keys]


@functools.cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()[0]])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise ImproperlyConfigured(
            "a contact address cannot be decrypted: KEPU_FIELD_ENCRYPTION_KEY is not the key it was written with"
        ) from None


def _index(key: bytes, channel: str, address: str) -> str:
    return hmac.new(key, f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()


def blind_index(channel: str, address: str) -> str:
    """The lookup key written for a normalised address on a channel (hex HMAC-SHA256, newest key)."""
    return _index(_keys()[1][0], channel, address)


def lookup_indexes(channel: str, address: str) -> list[str]:
    """Every index the address may be stored under: one per configured key, newest first (mid-rotation)."""
    return [_index(key, channel, address) for key in _keys()[1]]


class EncryptedAddressField(models.TextField):
    """A text column holding a Fernet token; Python sees the plain address.

    Rows written before encryption (plain text) are read as they are, so the
    data migration can encrypt them in place.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or not value.startswith(_TOKEN_PREFIX):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or value.startswith(_TOKEN_PREFIX):
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(f"an encrypted field cannot be searched with '{lookup_name}': use address_index")
        return super().get_lookup(lookup_name)
