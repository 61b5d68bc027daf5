"""The WeChat JS-SDK's ``wx.config`` signature: what lets a page opened inside WeChat set its share card.

WeChat's rule (JS-SDK 附录1): the fields ``noncestr``, ``jsapi_ticket``,
``timestamp`` and ``url`` (the page's URL up to, not including, ``#``) are
sorted by name, joined as ``name=value`` with ``&`` (values as they are, not
URL-encoded), and hashed with SHA-1. The page passes ``appId``, ``timestamp``,
``nonceStr`` and ``signature`` to ``wx.config``; WeChat recomputes the
signature with the ticket it issued and checks the URL's domain against the
account's JS interface safe domain (JS接口安全域名).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["JsapiConfig", "jsapi_signature", "jsapi_config"]


def jsapi_signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    if "#" in url:
        raise ValueError("the signed URL ends before its #fragment")
    fields = {"jsapi_ticket": ticket, "noncestr": noncestr, "timestamp": str(timestamp), "url": url}
    text = "&".join(f"{name}={value}" for name, value in sorted(fields.items()))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - the JS-SDK signature WeChat defines is SHA-1


@dataclass(frozen=True)
class JsapiConfig:
    """The four values ``wx.config`` needs besides its list of APIs (names as the JS-SDK spells them)."""

    appId: str  # noqa: N815
    timestamp: int
    nonceStr: str  # noqa: N815
    signature: str


def jsapi_config(app_id: str, ticket: str, url: str, *, clock: Callable[[], float] = time.time) -> JsapiConfig:
    """A fresh signature for ``url``: a new random nonce and the current time each call."""
    nonce = secrets.token_hex(8)
    timestamp = int(clock())
    return JsapiConfig(app_id, timestamp, nonce, jsapi_signature(ticket, nonce, timestamp, url))
