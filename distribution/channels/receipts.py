"""What a provider reports after it accepted a message: delivered to the phone, or not, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ProviderReceipt"]


@dataclass(frozen=True)
class ProviderReceipt:
    """One report on one message, named by the id the provider gave it when it accepted it.

    ``reason`` is written for operators and never contains the recipient's address.
    """

    channel: str
    provider_message_id: str
    delivered: bool
    status: str  # the provider's own code, e.g. "DELIVRD", "success", "failed:user block"
    reason: str
    reported_at: datetime

    def __post_init__(self) -> None:
        if not self.provider_message_id:
            raise ValueError("a receipt needs the provider's message id")
        if self.reported_at.tzinfo is None:
            raise ValueError("reported_at must be timezone-aware")
