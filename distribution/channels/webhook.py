"""Signed webhooks: POST a JSON notice to a partner system (hospital app, IM bot).

Headers: ``X-Kepu-Timestamp`` (Unix seconds) and ``X-Kepu-Signature``, the
hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with the shared secret. Signing
the timestamp with the body lets receivers reject replays older than a few
minutes (``verify_signature``'s ``tolerance_s``). ``X-Kepu-Idempotency-Key``
is the same on every attempt so receivers can drop duplicates.

Answers: 2xx delivered; 408/425/429/5xx and network failures retryable
(honouring ``Retry-After``); 410 Gone means the endpoint was retired (contact
inactive); 401/403 mean the secret does not match (configuration); any other
4xx or a redirect is permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .base import HttpChannel, HttpSettings, parse_retry_after, request_or_retryable
from .errors import ChannelConfigurationError, ContactInactiveError, PermanentChannelError, RetryableChannelError
from .masking import mask_address
from .messages import DeliveryOutcome, OutgoingMessage, SendResult

__all__ = ["WebhookConfig", "WebhookChannel", "sign_webhook", "verify_signature", "webhook_body"]

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Kepu-Timestamp"
SIGNATURE_HEADER = "X-Kepu-Signature"
IDEMPOTENCY_HEADER = "X-Kepu-Idempotency-Key"
EVENT_TYPE = "kepu.article.notice"
_RETRYABLE_4XX = frozenset({408, 425, 429})


def sign_webhook(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"``."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    signature: str,
    tolerance_s: float = 300,
    *,
    now: float | None = None,
) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is recent.

    For receivers: pass the raw request body (not re-serialised JSON) and the
    two header values. Comparison is constant-time.
    """
    if not secret or not signature:
        return False
    try:
        sent_at = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_s:
        return False
    expected = sign_webhook(secret, sent_at, body)
    return hmac.compare_digest(expected, signature.strip().lower())


def webhook_body(message: OutgoingMessage) -> bytes:
    """The JSON document posted for ``message`` (compact, UTF-8, stable key order)."""
    document: dict[str, Any] = {
        "type": EVENT_TYPE,
        "idempotency_key": message.idempotency_key,
        "language": message.language,
        "title": message.title,
        "summary": message.summary,
        "url": message.url,
        "unsubscribe_url": message.unsubscribe_url,
        "extra": dict(message.extra),
    }
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise PermanentChannelError(f"message extra is not JSON-serialisable: {exc}") from None


@dataclass(frozen=True)
class WebhookConfig:
    secret: str
    http: HttpSettings = field(default_factory=lambda: HttpSettings(connect_timeout_s=3.0, read_timeout_s=10.0))
    default_retry_after_s: float = 30.0  # when a 429/5xx carries no Retry-After
    allow_plain_http: bool = False  # only for tests and intranet endpoints

    def __post_init__(self) -> None:
        if len(self.secret or "") < 16:
            raise ValueError("WebhookConfig.secret must be at least 16 characters")
        if isinstance(self.http, Mapping):
            object.__setattr__(self, "http", HttpSettings(**self.http))

    def __repr__(self) -> str:
        return f"WebhookConfig(secret='***', allow_plain_http={self.allow_plain_http})"


class WebhookChannel(HttpChannel[WebhookConfig]):
    """Posts signed JSON notices; the message address is the endpoint URL."""

    kind: ClassVar[str] = "webhook"

    def send(self, message: OutgoingMessage) -> SendResult:
        endpoint = message.address
        parts = urlsplit(endpoint)
        allowed = ("https", "http") if self.config.allow_plain_http else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise PermanentChannelError(f"webhook address must be an absolute {' or '.join(allowed)} URL")
        to = mask_address("webhook", endpoint)
        body = webhook_body(message)
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_webhook(self.config.secret, timestamp, body),
            IDEMPOTENCY_HEADER: message.idempotency_key,
        }
        response = request_or_retryable(
            self._session,
            "POST",
            endpoint,
            service=f"webhook {to}",
            settings=self.config.http,
            data=body,
            headers=headers,
        )
        status = response.status_code
        if 200 <= status < 300:
            request_id = response.headers.get("X-Request-Id", "")
            logger.info("webhook delivered key=%s to=%s status=%d", message.idempotency_key, to, status)
            return SendResult(DeliveryOutcome.DELIVERED, provider_message_id=request_id, detail=f"HTTP {status}")
        logger.warning("webhook failed key=%s to=%s status=%d", message.idempotency_key, to, status)
        reason = f"webhook {to} answered HTTP {status}"
        if status in _RETRYABLE_4XX or status >= 500:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryableChannelError(
                reason, wait if wait is not None else self.config.default_retry_after_s, provider_code=str(status)
            )
        if status == 410:
            raise ContactInactiveError(f"{reason}: endpoint retired", provider_code="410")
        if status in (401, 403):
            raise ChannelConfigurationError(
                f"{reason}: signature rejected, check the shared secret", provider_code=str(status)
            )
        if 300 <= status < 400:
            raise PermanentChannelError(
                f"{reason}: redirects are not followed, update the endpoint URL", provider_code=str(status)
            )
        raise PermanentChannelError(reason, provider_code=str(status))
