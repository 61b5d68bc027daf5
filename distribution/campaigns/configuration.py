"""Distribution settings: channel credentials, rate limits, batching, and the delivery retry policy.

Read from ``settings.KEPU_DISTRIBUTION`` (a dict), or, when that setting is
absent, from the ``KEPU_DISTRIBUTION_JSON`` environment variable holding the
same dict as JSON, so workers can be configured without code. The retry keys
(``max_attempts``, ``backoff_base_s``, ``backoff_max_s``, ``sending_lease_s``)
are the delivery engine's one policy (``distribution.delivery.policy``), which
partner pushes and WebSub pings read too::

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

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from distribution.delivery.policy import RETRY_KEYS, RetryPolicy, distribution_settings_dict, retry_policy

__all__ = ["DistributionSettings", "distribution_settings"]

DEFAULT_RATE_LIMITS = {"wechat": 50.0, "sms": 20.0, "email": 10.0}  # webhook: unlimited (our partners' systems)


@dataclass(frozen=True)
class DistributionSettings:
    channels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rate_limits: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    configuration_error_pause_s: float = 600.0  # wait after a channel reports our credentials wrong
    batch_size: int = 100
    stalled_after_s: float = 120.0  # a sending campaign whose rows have not moved for this long is stalled
    followup_max_lateness_s: float = 12 * 3600.0  # older follow-up occurrences are skipped, not sent late
    parallel_tasks: int = 2  # fan-out tasks queued per start (one per worker process is right)
    send_threads: int = 4  # messages in flight per fan-out task (network waits overlap with bookkeeping)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.parallel_tasks < 1 or self.send_threads < 1:
            raise ImproperlyConfigured(
                "KEPU_DISTRIBUTION batch_size, parallel_tasks and send_threads must be at least 1"
            )
        for kind, rate in self.rate_limits.items():
            if rate is not None and rate <= 0:
                raise ImproperlyConfigured(f"KEPU_DISTRIBUTION rate limit of {kind} must be positive or null")
        object.__setattr__(self, "channels", MappingProxyType({k: dict(v) for k, v in self.channels.items()}))
        object.__setattr__(self, "rate_limits", MappingProxyType(dict(self.rate_limits)))


def distribution_settings() -> DistributionSettings:
    raw = distribution_settings_dict()
    known = (set(DistributionSettings.__dataclass_fields__) - {"retry"}) | set(RETRY_KEYS)
    unknown = set(raw) - known
    if unknown:
        raise ImproperlyConfigured(f"KEPU_DISTRIBUTION has unknown keys: {', '.join(sorted(unknown))}")
    values = {key: value for key, value in raw.items() if key not in RETRY_KEYS}
    values["retry"] = retry_policy(raw)
    if "rate_limits" in values:
        values["rate_limits"] = {**DEFAULT_RATE_LIMITS, **values["rate_limits"]}
    return DistributionSettings(**values)
