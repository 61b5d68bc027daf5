"""WebSub (W3C, formerly PubSubHubbub): tell the hub which feeds changed so subscribers get them at once.

The hub is set by ``KEPU_WEBSUB_HUB`` (empty: feeds announce no hub and nothing
is pinged). A ping is a form POST ``hub.mode=publish&hub.url=<feed URL>``;
hubs answer 2xx (usually 204) and then fetch the feed themselves.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings

from distribution.channels.base import HttpSettings, build_http_session, request_or_retryable
from distribution.channels.errors import PermanentChannelError, RetryableChannelError

from .entries import public_url
from .formats import FORMATS
from .scopes import FeedScope, scope_path

logger = logging.getLogger(__name__)

HUB_HTTP = HttpSettings(connect_timeout_s=3.0, read_timeout_s=10.0, pool_size=2)


def hub_url() -> str:
    url = (getattr(settings, "KEPU_WEBSUB_HUB", "") or "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        raise ValueError(f"KEPU_WEBSUB_HUB must be an absolute http(s) URL, got {url!r}")
    return url


def topic_urls(scopes: list[FeedScope]) -> list[str]:
    """The public URL of every format of every scope (each is a separate WebSub topic)."""
    urls: list[str] = []
    for scope in scopes:
        for filename in FORMATS:
            url = public_url(scope_path(scope, filename))
            if url not in urls:
                urls.append(url)
    return urls


def ping_hub(hub: str, topic: str) -> int:
    """Tell ``hub`` that ``topic`` changed; returns the HTTP status.

    Raises ``RetryableChannelError`` when the hub is unreachable or busy (5xx,
    429) and ``PermanentChannelError`` when it refuses the topic (other 4xx).
    """
    with build_http_session(HUB_HTTP) as session:
        response = request_or_retryable(
            session,
            "POST",
            hub,
            service="WebSub hub",
            settings=HUB_HTTP,
            data={"hub.mode": "publish", "hub.url": topic},
        )
    status = response.status_code
    if 200 <= status < 300:
        logger.info("websub ping %s -> HTTP %d", topic, status)
        return status
    reason = f"WebSub hub answered HTTP {status} for {topic}"
    if status >= 500 or status == 429:
        raise RetryableChannelError(reason, provider_code=str(status))
    raise PermanentChannelError(reason, provider_code=str(status))
