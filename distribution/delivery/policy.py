"""The one retry policy of every outbound delivery, read from ``KEPU_DISTRIBUTION``.

The policy's keys sit in the same settings dict as the channels it sends over
(``settings.KEPU_DISTRIBUTION``, or the ``KEPU_DISTRIBUTION_JSON`` environment
variable when that setting is absent, so workers are configured without code)::

    KEPU_DISTRIBUTION = {"max_attempts": 8, "backoff_base_s": 30, "backoff_max_s": 21600,
                         "sending_lease_s": 900, ...}

Campaign messages, follow-up steps, partner pushes and WebSub pings all read it.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["RETRY_KEYS", "RetryPolicy", "distribution_settings_dict", "retry_policy"]

# The settings keys of the policy, and the field each one sets.
RETRY_KEYS = {
    "max_attempts": "max_attempts",
    "backoff_base_s": "backoff_base_s",
    "backoff_max_s": "backoff_max_s",
    "sending_lease_s": "lease_s",
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff_base_s: float = 30.0
    backoff_max_s: float = 6 * 3600.0
    lease_s: float = 900.0  # a 'sending' row older than this belongs to a dead worker

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION max_attempts must be at least 1")
        if self.backoff_base_s < 0 or self.backoff_max_s < self.backoff_base_s:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION backoff_base_s must be >= 0 and <= backoff_max_s")
        if self.lease_s < 0:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION sending_lease_s must not be negative")

    def backoff_s(self, attempts: int) -> float:
        """Exponential backoff after ``attempts`` failed attempts (1 → base, 2 → 2×base …), capped."""
        return min(self.backoff_base_s * 2 ** max(attempts - 1, 0), self.backoff_max_s)

    def retry_delay_s(self, attempts: int, retry_after: float | None = None, *, spread: bool = False) -> float | None:
        """Seconds to wait after the ``attempts``-th attempt failed in a way worth retrying; None: give up.

        ``retry_after`` (the receiver's own wish) lengthens the wait, never shortens it. ``spread``
        adds up to a quarter at random, for ledgers where one outage fails thousands of rows at the
        same moment (campaigns) and their retries should not all come back together.
        """
        if attempts >= self.max_attempts:
            return None
        delay = self.backoff_s(attempts)
        if spread:
            delay *= random.uniform(1.0, 1.25)  # noqa: S311 - jitter, not a secret
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def distribution_settings_dict() -> Mapping[str, Any]:
    """``settings.KEPU_DISTRIBUTION``, or the ``KEPU_DISTRIBUTION_JSON`` environment variable when it is absent."""
    raw = getattr(settings, "KEPU_DISTRIBUTION", None)
    if raw is None:
        text = os.environ.get("KEPU_DISTRIBUTION_JSON", "").strip()
        try:
            raw = json.loads(text) if text else {}
        except ValueError as exc:
            raise ImproperlyConfigured(f"KEPU_DISTRIBUTION_JSON is not valid JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured("KEPU_DISTRIBUTION must be a dict")
    return raw


def retry_policy(raw: Mapping[str, Any] | None = None) -> RetryPolicy:
    """The policy configured in ``raw`` (default: the settings' dict); keys left out keep their defaults."""
    raw = distribution_settings_dict() if raw is None else raw
    return RetryPolicy(**{field: raw[key] for key, field in RETRY_KEYS.items() if key in raw})
