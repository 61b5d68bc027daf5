"""Masking of recipient addresses for logs and error messages.

Phone numbers, openids and e-mail addresses identify patients. Logs and
exception messages show only enough to tell two recipients apart while
debugging (``138****5678``, ``oAbc…xyz``), never the full value.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["mask_address", "redact", "ADDRESS_KINDS"]

ADDRESS_KINDS = ("wechat", "sms", "email", "webhook", "auto")
_NON_DIGITS = re.compile(r"\D")


def mask_address(kind: str, value: str) -> str:
    """Return a log-safe form of a recipient address.

    ``kind`` is the channel kind ("wechat", "sms", "email", "webhook") or
    "auto" to guess from the value's shape (used by ``OutgoingMessage.__repr__``).
    """
    if kind not in ADDRESS_KINDS:
        raise ValueError(f"unknown address kind {kind!r}; expected one of {', '.join(ADDRESS_KINDS)}")
    value = (value or "").strip()
    if not value:
        return "<empty>"
    if kind == "auto":
        kind = _guess_kind(value)
    if kind == "sms":
        return _mask_phone(value)
    if kind == "email":
        return _mask_email(value)
    if kind == "webhook":
        return _mask_url(value)
    return _mask_token(value)


def redact(text: str, *sensitive: str) -> str:
    """Replace every occurrence of the sensitive values in provider text by ``***``.

    Providers sometimes echo the recipient or a token in their error message;
    this keeps such text safe to put into our own exception reasons.
    """
    for value in sensitive:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def _guess_kind(value: str) -> str:
    if "@" in value:
        return "email"
    if value.startswith(("http://", "https://")):
        return "webhook"
    if re.fullmatch(r"\+?[\d\s\-()]{5,}", value):
        return "sms"
    return "wechat"


def _mask_phone(value: str) -> str:
    digits = _NON_DIGITS.sub("", value)
    if value.startswith("+") and digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]  # show the familiar national form of mainland numbers
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:2]}****{digits[-2:]}"
    return "****"


def _mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    if not local:
        return "***"
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***{dot}{tld}" if host else "***"
    return f"{local[:1]}***@{masked_domain}"


def _mask_url(value: str) -> str:
    # Webhook URLs often carry a token in the path or query: keep only the host.
    try:
        parts = urlsplit(value)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    if not parts.scheme or not parts.hostname:
        return "<invalid url>"
    return f"{parts.scheme}://{parts.hostname}{port}/…"


def _mask_token(value: str) -> str:
    if len(value) < 10:
        return "***"
    return f"{value[:4]}…{value[-3:]}"
