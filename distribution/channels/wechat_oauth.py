"""WeChat web OAuth with ``snsapi_base``: the openid of whoever opened a page inside WeChat.

``snsapi_base`` asks the user nothing: WeChat redirects back at once with a
one-time ``code`` (five minutes, single use), and the server exchanges it,
with the app secret, for the user's openid under this service account. The
code and the openid never go into logs; errors carry WeChat's errcode only.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests

from .base import build_http_session, request_or_retryable
from .errors import RetryableChannelError
from .wechat import WeChatConfig

__all__ = ["WeChatOAuthError", "authorize_url", "openid_for_code", "is_wechat_browser"]

logger = logging.getLogger(__name__)

CODE_REJECTED = {40029: "invalid code", 40163: "code already used", 41008: "missing code"}


class WeChatOAuthError(Exception):
    """The code could not be exchanged (used, expired, forged) or WeChat is unreachable."""

    def __init__(self, reason: str, *, retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def is_wechat_browser(user_agent: str) -> bool:
    """WeChat's in-app browser says ``MicroMessenger`` in its User-Agent."""
    return "micromessenger" in (user_agent or "").lower()


def authorize_url(config: WeChatConfig, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "appid": config.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return f"{config.oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid_for_code(config: WeChatConfig, code: str, *, session: requests.Session | None = None) -> str:
    """Exchange ``code`` for the user's openid (one request; the code is then spent)."""
    owned = session is None
    session = session or build_http_session(config.http)
    try:
        try:
            response = request_or_retryable(
                session,
                "GET",
                f"{config.api_base}/sns/oauth2/access_token",
                service="WeChat OAuth",
                settings=config.http,
                params={
                    "appid": config.app_id,
                    "secret": config.app_secret,
                    "code": code,
                    "grant_type": "authorization_code",
                },
            )
        except RetryableChannelError as exc:
            raise WeChatOAuthError(exc.reason, retryable=True) from None
        try:
            body = response.json()
        except ValueError:
            raise WeChatOAuthError(
                f"WeChat OAuth answered HTTP {response.status_code} without JSON", retryable=True
            ) from None
    finally:
        if owned:
            session.close()
    errcode = body.get("errcode")
    if errcode:
        logger.warning("wechat oauth code exchange refused: errcode %s", errcode)
        reason = CODE_REJECTED.get(errcode, f"errcode {errcode}")
        raise WeChatOAuthError(f"WeChat refused the code: {reason}", retryable=errcode == -1)
    openid = str(body.get("openid") or "")
    if not openid:
        raise WeChatOAuthError("WeChat OAuth answered without an openid")
    return openid
