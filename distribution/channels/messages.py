"""What a channel is asked to send and what it answers."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cms.core.languages import language_family

from .masking import mask_address

__all__ = ["DeliveryOutcome", "OutgoingMessage", "SendResult", "IDEMPOTENCY_KEY_PATTERN"]

# Letters, digits and a few separators: safe in WeChat's client_msg_id, SMS
# SessionContext, e-mail Message-IDs and HTTP headers without escaping.
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


class DeliveryOutcome(enum.StrEnum):
    """The status a delivery attempt ends in, as the delivery ledger records it."""

    DELIVERED = "delivered"  # the recipient's endpoint confirmed receipt (webhook 2xx)
    ACCEPTED = "accepted"  # the provider took the message; delivery is asynchronous
    RETRYABLE_FAILURE = "retryable_failure"
    PERMANENT_FAILURE = "permanent_failure"
    CONTACT_INACTIVE = "contact_inactive"  # unfollowed / unsubscribed: deactivate the contact
    CONFIGURATION_ERROR = "configuration_error"  # our credentials/templates are wrong


@dataclass(frozen=True, repr=False)
class OutgoingMessage:
    """One notification to one recipient on one channel.

    ``address`` is the recipient on that channel (openid, phone number, e-mail
    address or webhook URL). It is patient data: ``repr`` masks it, and channels
    never put it into logs or exception messages.
    ``idempotency_key`` must be the same for every attempt of the same delivery
    (for example ``"c42-p1007-sms"``); providers and receivers use it to drop
    duplicates when a retry follows a lost response.
    """

    idempotency_key: str
    address: str
    title: str
    url: str
    language: str = "zh-hans"
    summary: str = ""
    unsubscribe_url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not IDEMPOTENCY_KEY_PATTERN.match(self.idempotency_key or ""):
            raise ValueError(
                "idempotency_key must be 1-128 characters of letters, digits and . _ : - "
                f"(starting with a letter or digit), got {self.idempotency_key!r}"
            )
        if not self.address or not self.address.strip():
            raise ValueError("address must not be empty")
        if not self.title or not self.title.strip():
            raise ValueError("title must not be empty")
        if not self.url.startswith(("https://", "http://")):
            raise ValueError("url must be an absolute http(s) URL")
        if self.unsubscribe_url and not self.unsubscribe_url.startswith(("https://", "http://")):
            raise ValueError("unsubscribe_url must be an absolute http(s) URL")
        if not self.language:
            raise ValueError("language must not be empty")
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def is_chinese(self) -> bool:
        return language_family(self.language) == "zh"

    def __repr__(self) -> str:
        return (
            f"OutgoingMessage(idempotency_key={self.idempotency_key!r}, "
            f"address={mask_address('auto', self.address)!r}, language={self.language!r}, "
            f"title={self.title!r}, url={self.url!r})"
        )


@dataclass(frozen=True)
class SendResult:
    """A successful hand-over: the provider's id for the message and what happened."""

    outcome: DeliveryOutcome
    provider_message_id: str = ""
    detail: str = ""
    segments: int = 1  # SMS parts billed; 1 for every other channel

    def __post_init__(self) -> None:
        if self.outcome not in (DeliveryOutcome.DELIVERED, DeliveryOutcome.ACCEPTED):
            raise ValueError(f"a SendResult reports a success, not {self.outcome}; failures are raised")
