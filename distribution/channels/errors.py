"""Exceptions raised by channel clients.

Every failure a channel reports is one of three kinds, because the delivery
ledger only needs to decide one thing: try again later, give up on this
message, or give up on this contact. Reasons are written for operators and
never contain the recipient's address (phone number, openid, e-mail, webhook
URL) nor credentials; callers may log them as they are.
"""

from __future__ import annotations

from .messages import DeliveryOutcome

__all__ = [
    "ChannelError",
    "RetryableChannelError",
    "PermanentChannelError",
    "ContactInactiveError",
    "ChannelConfigurationError",
]


class ChannelError(Exception):
    """Base class: the message was not handed over to the provider."""

    outcome: DeliveryOutcome = DeliveryOutcome.PERMANENT_FAILURE

    def __init__(self, reason: str, *, provider_code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.provider_code = provider_code


class RetryableChannelError(ChannelError):
    """A transient failure (rate limit, provider busy, network). Try again later.

    ``retry_after`` is the provider's hint in seconds (None: use your backoff).
    """

    outcome = DeliveryOutcome.RETRYABLE_FAILURE

    def __init__(self, reason: str, retry_after: float | None = None, *, provider_code: str | None = None):
        super().__init__(reason, provider_code=provider_code)
        if retry_after is not None and retry_after < 0:
            retry_after = 0.0
        self.retry_after = retry_after

    def __str__(self) -> str:
        if self.retry_after is None:
            return self.reason
        return f"{self.reason} (retry after {self.retry_after:.0f}s)"


class PermanentChannelError(ChannelError):
    """This message can never be delivered as it is (invalid address, bad content)."""

    outcome = DeliveryOutcome.PERMANENT_FAILURE


class ContactInactiveError(PermanentChannelError):
    """The contact unfollowed, unsubscribed or blocked us: stop sending to this address."""

    outcome = DeliveryOutcome.CONTACT_INACTIVE


class ChannelConfigurationError(PermanentChannelError):
    """Our side is misconfigured (credentials, template, sender): every message will fail.

    Kept permanent so one message is not retried forever, but callers should
    pause the whole campaign and alert an operator rather than mark contacts.
    """

    outcome = DeliveryOutcome.CONFIGURATION_ERROR
