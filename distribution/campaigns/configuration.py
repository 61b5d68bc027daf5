"""Distribution settings: channel credentials, rate limits, retry policy.

Read from ``settings.KEPU_DISTRIBUTION`` (a dict), or, when that setting is
absent, from the ``KEPU_DISTRIBUTION_JSON`` environment variable holding the
same dict as JSON, so workers can be configured without code::

    KEPU_DISTRIBUTION = {
        "channels": {  # per kind, the fields of that channel's config dataclass
            "wechat": {"app_id": "...", "app_secret": "...", "template_id": "..."},
            "sms": {"secret_id": "...", "secret_key": "...", "sdk_app_id": "...", "templates": {...},
                    "token": "..."},  # token: only with temporary (STS) credentials
            "email": {"from_address": "科普工作室 <kepu@hospital.example.cn>", "host": "smtp.example.cn"},
            "webhook": {"secret": "...", "endpoint": "https://his.example.cn/kepu/notices"},
        },
        "rate_limits": {"wechat": 50, "sms": 20, "email": 10},  # messages/second per account, all workers together
        "max_attempts": 8, "backoff_base_s": 30, "backoff_max_s": 21600,
        "batch_size": 100, "sending_lease_s": 900, "send_threads": 4,
    }
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["DistributionSettings", "distribution_settings"]

DEFAULT_RATE_LIMITS = {"wechat": 50.0, "sms": 20.0, "email": 10.0}  # webhook: unlimited (our partners' systems)


@dataclass(frozen=True)
class DistributionSettings:
    channels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rate_limits: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    max_attempts: int = 8
    backoff_base_s: float = 30.0
    backoff_max_s: float = 6 * 3600.0
    configuration_error_pause_s: float = 600.0  # wait after a channel reports our credentials wrong
    batch_size: int = 100
    sending_lease_s: float = 900.0  # a 'sending' row older than this belongs to a dead worker
    stalled_after_s: float = 120.0  # a sending campaign whose rows have not moved for this long is stalled
    followup_max_lateness_s: float = 12 * 3600.0  # older follow-up occurrences are skipped, not sent late
    parallel_tasks: int = 2  # fan-out tasks queued per start (one per worker process is right)
    send_threads: int = 4  # messages in flight per fan-out task (network waits overlap with bookkeeping)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION max_attempts must be at least 1")
        if self.batch_size < 1 or self.parallel_tasks < 1 or self.send_threads < 1:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION batch_size, parallel_tasks and send_threads must be at least 1")
        if self.backoff_base_s < 0 or self.backoff_max_s < self.backoff_base_s:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION backoff_base_s must be >= 0 and <= backoff_max_s")
        if self.sending_lease_s < 0:
            raise ImproperlyConfigured("KEPU_DISTRIBUTION sending_lease_s must not be negative")
        for kind, rate in self.rate_limits.items():
            if rate is not None and rate <= 0:
                raise ImproperlyConfigured(f"KEPU_DISTRIBUTION rate limit of {kind} must be positive or null")
        object.__setattr__(self, "channels", MappingProxyType({k: dict(v) for k, v in self.channels.items()}))
        object.__setattr__(self, "rate_limits", MappingProxyType(dict(self.rate_limits)))

    def backoff_s(self, attempts: int) -> float:
        """Exponential backoff after ``attempts`` failed attempts (1 → base, 2 → 2×base …)."""
        return min(self.backoff_base_s * 2 ** max(attempts - 1, 0), self.backoff_max_s)


def distribution_settings() -> DistributionSettings:
    raw = getattr(settings, "KEPU_DISTRIBUTION", None)
    if raw is None:
        text = os.environ.get("KEPU_DISTRIBUTION_JSON", "").strip()
        try:
            raw = json.loads(text) if text else {}
        except ValueError as exc:
            raise ImproperlyConfigured(f"KEPU_DISTRIBUTION_JSON is not valid JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured("KEPU_DISTRIBUTION must be a dict")
    known = set(DistributionSettings.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ImproperlyConfigured(f"KEPU_DISTRIBUTION has unknown keys: {', '.join(sorted(unknown))}")
    values = dict(raw)
    if "rate_limits" in values:
        values["rate_limits"] = {**DEFAULT_RATE_LIMITS, **values["rate_limits"]}
    return DistributionSettings(**values)
