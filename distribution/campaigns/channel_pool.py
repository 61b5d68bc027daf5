"""Configured channel clients, reused per process, and their rate limits."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

from distribution.channels import Channel, ChannelConfigurationError, get_channel

from .channel_settings import effective_channel_configs
from .configuration import DistributionSettings

__all__ = ["ConfiguredChannel", "RateLimiter", "configured_channel", "close_configured_channels"]


class RateLimiter:
    """A token bucket: at most ``rate`` acquisitions per second, bursts of up to ``burst``.

    Per worker process: with N worker processes the provider sees up to N×rate.
    """

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 10)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            self._sleep(wait)


@dataclass
class ConfiguredChannel:
    kind: str
    channel: Channel
    limiter: RateLimiter | None
    endpoint: str = ""  # webhook only: where the hospital system receives notices


_pool: dict[tuple[int | None, str], tuple[str, ConfiguredChannel]] = {}
_pool_lock = threading.Lock()


def configured_channel(kind: str, config: DistributionSettings, site_id: int | None = None) -> ConfiguredChannel:
    """The channel client for ``kind`` on a site (default: the default site); the same instance while its
    settings are unchanged.

    The settings are the site's channel screen in the admin with the environment's
    (``config.channels``) laid over them kind by kind.
    """
    raw = effective_channel_configs(config.channels, site_id).get(kind)
    if not raw:
        raise ChannelConfigurationError(
            f"channel {kind!r} is not set up (admin: Settings → Channels, or KEPU_DISTRIBUTION['channels'])")
    fingerprint = json.dumps([raw, config.rate_limits.get(kind)], sort_keys=True, default=str)
    pool_key = (site_id, kind)
    with _pool_lock:
        cached = _pool.get(pool_key)
        if cached and cached[0] == fingerprint:
            return cached[1]
        options = dict(raw)
        endpoint = ""
        if kind == "webhook":
            endpoint = str(options.pop("endpoint", ""))
            if not endpoint.startswith(("https://", "http://")):
                raise ChannelConfigurationError("webhook channel needs an http(s) 'endpoint' in its settings")
        extra = {"token_cache": cache} if kind == "wechat" else {}
        try:
            channel = get_channel(kind, options, **extra)
        except (TypeError, ValueError) as exc:
            raise ChannelConfigurationError(f"channel {kind!r}: {exc}") from None
        rate = config.rate_limits.get(kind)
        entry = ConfiguredChannel(kind, channel, RateLimiter(float(rate)) if rate else None, endpoint)
        if cached:
            cached[1].channel.close()
        _pool[pool_key] = (fingerprint, entry)
        return entry


def close_configured_channels() -> None:
    with _pool_lock:
        for _fingerprint, entry in _pool.values():
            entry.channel.close()
        _pool.clear()
