"""Configured channel clients, reused per process, and their rate limits (shared by every worker).

Provider quotas are per account, not per process: the WeChat access token and the
messages-per-second budget of each channel live in Django's cache, which production
requires to be Redis (``checks.shared_cache_for_workers``), so N worker processes
together send at the configured rate and fetch one token.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

from distribution.channels import Channel, ChannelConfigurationError, get_channel

from .channel_settings import effective_channel_configs
from .configuration import DistributionSettings
from .message_content import notice_wording

__all__ = ["ConfiguredChannel", "SharedRateLimiter", "configured_channel"]


class SharedRateLimiter:
    """At most ``rate`` acquisitions per second across every process sharing ``cache``.

    Time is cut into windows of ``k / rate`` seconds (``k`` the smallest whole number
    making a window at least 0.1 s) and each window admits ``k`` acquisitions, counted
    with the cache's atomic ``incr`` (Redis ``INCR``) under a key naming the window.
    A caller refused in one window sleeps until the next. Windows come from the wall
    clock, which the machines of one deployment share through NTP.
    """

    def __init__(
        self,
        cache,
        key: str,
        rate: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.per_window = max(1, math.ceil(rate * 0.1))
        self.window_s = self.per_window / rate
        self._cache, self._key, self._clock, self._sleep = cache, key, clock, sleep

    def acquire(self) -> None:
        while True:
            now = self._clock()
            window = math.floor(now / self.window_s)
            key = f"{self._key}:{window}"
            self._cache.add(key, 0, timeout=max(2.0, self.window_s * 4))
            try:
                taken = self._cache.incr(key)
            except ValueError:  # the key expired between add and incr: this window is long gone
                continue
            if taken <= self.per_window:
                return
            self._sleep(max((window + 1) * self.window_s - self._clock(), 0.0) + 0.0005)


@dataclass
class ConfiguredChannel:
    kind: str
    channel: Channel
    limiter: SharedRateLimiter | None
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
            f"channel {kind!r} is not set up (admin: Settings → Channels, or KEPU_DISTRIBUTION['channels'])"
        )
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
        extra: dict = {"token_cache": cache} if kind == "wechat" else {}
        if kind == "email":
            extra["wording"] = notice_wording
        try:
            channel = get_channel(kind, options, **extra)
        except (TypeError, ValueError) as exc:
            raise ChannelConfigurationError(f"channel {kind!r}: {exc}") from None
        rate = config.rate_limits.get(kind)
        limiter = None
        if rate:
            # One budget per provider account: the WeChat AppID, the SMS SdkAppId, else the kind.
            account = str(options.get("app_id") or options.get("sdk_app_id") or "")
            limiter = SharedRateLimiter(cache, f"kepu:rate:{kind}:{account}", float(rate))
        entry = ConfiguredChannel(kind, channel, limiter, endpoint)
        if cached:
            cached[1].channel.close()
        _pool[pool_key] = (fingerprint, entry)
        return entry
