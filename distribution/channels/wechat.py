"""WeChat service account (公众号) template messages.

Protocol: ``POST /cgi-bin/message/template/send?access_token=…`` with
``touser`` (openid), ``template_id``, ``url``, ``data`` and ``client_msg_id``.
The access token comes from ``POST /cgi-bin/stable_token`` by default: unlike
the classic ``GET /cgi-bin/token``, fetching it does not invalidate the token
other worker processes hold, and the app secret travels in the body instead
of the URL. Tokens are cached until ``token_refresh_margin_s`` before they
expire; a token the API rejects (40001/42001/40014) is refreshed and the send
retried once.

``client_msg_id`` lets WeChat drop a duplicate of the same message to the same
openid, but only for a short window, so the delivery ledger stays the primary
guard against double sends.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Protocol

import requests

from .base import HttpChannel, HttpSettings, request_or_retryable, seconds_until_china_time
from .errors import (
    ChannelConfigurationError,
    ContactInactiveError,
    PermanentChannelError,
    RetryableChannelError,
)
from .masking import mask_address, redact
from .messages import DeliveryOutcome, OutgoingMessage, SendResult

__all__ = ["WeChatConfig", "WeChatChannel", "TokenCache", "InMemoryTokenCache", "WECHAT_FIELD_LIMITS"]

logger = logging.getLogger(__name__)

TOKEN_REJECTED = frozenset({40001, 40014, 42001})  # invalid credential / invalid token / token expired
RATE_LIMITED = {
    45009: "daily API quota reached",
    45047: "too many messages to this user",
    45011: "API minute quota reached",
}
SYSTEM_BUSY = -1
CONTACT_GONE = {43004: "recipient no longer follows the account", 43101: "recipient refused template messages"}
PERMANENT = {40003: "invalid openid", 47003: "template data rejected", 40008: "invalid message type"}
CONFIGURATION = {
    40013: "invalid AppID",
    40125: "invalid AppSecret",
    40164: "server IP not in the account's IP whitelist",
    40037: "invalid template_id",
    41002: "AppID missing",
    41004: "AppSecret missing",
    48001: "API not authorised for this account",
    89503: "server IP needs administrator confirmation",
}

# Maximum characters of the newer template keyword types (the part of the key
# before the digits, e.g. "thing2"). WeChat rejects longer values with 47003.
WECHAT_FIELD_LIMITS: Mapping[str, int] = MappingProxyType(
    {"thing": 20, "character_string": 32, "phrase": 5, "number": 32, "letter": 32, "symbol": 5}
)
_FIELD_SOURCES = ("title", "summary")


class TokenCache(Protocol):
    """The part of Django's cache API the token store needs (``django.core.cache.cache`` fits)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, timeout: float | None = None) -> Any: ...


class InMemoryTokenCache:
    """Process-local token store; pass Django's cache instead to share tokens between workers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._entries: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] <= self._clock():
                return default
            return entry[0]

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        expires_at = float("inf") if timeout is None else self._clock() + timeout
        with self._lock:
            self._entries[key] = (value, expires_at)


@dataclass(frozen=True)
class WeChatConfig:
    """Credentials and template of one service account.

    ``template_fields`` maps each keyword of the template to what fills it:
    "title", "summary", "extra:<key>" (from ``OutgoingMessage.extra``) or
    "text:<fixed text>". Values are shortened to the keyword type's limit.
    """

    app_id: str
    app_secret: str
    template_id: str
    template_fields: Mapping[str, str] = field(default_factory=lambda: {"thing1": "title", "thing2": "summary"})
    api_base: str = "https://api.weixin.qq.com"
    oauth_base: str = "https://open.weixin.qq.com"  # web OAuth (pages opened inside WeChat)
    token_endpoint: Literal["stable", "classic"] = "stable"
    token_refresh_margin_s: float = 300.0
    empty_field_value: str = "-"  # WeChat rejects empty keyword values
    busy_retry_after_s: float = 5.0
    rate_limit_retry_after_s: float = 60.0
    http: HttpSettings = field(default_factory=HttpSettings)

    def __post_init__(self) -> None:
        for name in ("app_id", "app_secret", "template_id"):
            if not getattr(self, name):
                raise ValueError(f"WeChatConfig.{name} must not be empty")
        if self.token_endpoint not in ("stable", "classic"):
            raise ValueError("WeChatConfig.token_endpoint must be 'stable' or 'classic'")
        if not self.template_fields:
            raise ValueError("WeChatConfig.template_fields must name at least one template keyword")
        for keyword, source in self.template_fields.items():
            if source not in _FIELD_SOURCES and not source.startswith(("extra:", "text:")):
                raise ValueError(
                    f"template field {keyword!r}: source {source!r} must be one of "
                    "'title', 'summary', 'extra:<key>', 'text:<fixed text>'"
                )
        if not self.api_base.startswith(("https://", "http://")):
            raise ValueError("WeChatConfig.api_base must be an http(s) URL")
        if not self.oauth_base.startswith(("https://", "http://")):
            raise ValueError("WeChatConfig.oauth_base must be an http(s) URL")
        object.__setattr__(self, "oauth_base", self.oauth_base.rstrip("/"))
        if isinstance(self.http, Mapping):
            object.__setattr__(self, "http", HttpSettings(**self.http))
        object.__setattr__(self, "template_fields", MappingProxyType(dict(self.template_fields)))
        object.__setattr__(self, "api_base", self.api_base.rstrip("/"))

    def __repr__(self) -> str:
        return (
            f"WeChatConfig(app_id={self.app_id!r}, app_secret='***', "
            f"template_id={self.template_id!r}, api_base={self.api_base!r})"
        )


class WeChatChannel(HttpChannel[WeChatConfig]):
    """Template messages to followers of a WeChat service account."""

    kind: ClassVar[str] = "wechat"

    def __init__(
        self,
        config: WeChatConfig,
        *,
        session: requests.Session | None = None,
        token_cache: TokenCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(config, session=session, clock=clock)
        self._token_cache = token_cache or InMemoryTokenCache(clock)
        self._token_key = f"kepu:wechat-access-token:{config.app_id}"
        self._token_lock = threading.Lock()
        self.token_fetches = 0  # how many tokens this instance requested (observability)

    # --- sending -----------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> SendResult:
        payload = {
            "touser": message.address,
            "template_id": self.config.template_id,
            "url": message.url,
            "data": self.template_data(message),
            "client_msg_id": client_msg_id(message.idempotency_key),
        }
        token = self._access_token()
        body = self._post_template(token, payload)
        if body.get("errcode") in TOKEN_REJECTED:
            logger.info("wechat access token rejected (errcode %s); refreshing", body.get("errcode"))
            token = self._access_token(rejected=token)
            body = self._post_template(token, payload)
            if body.get("errcode") in TOKEN_REJECTED:
                raise RetryableChannelError(
                    f"WeChat rejected a freshly issued access token (errcode {body['errcode']})",
                    self.config.busy_retry_after_s,
                    provider_code=str(body["errcode"]),
                )
        return self._result(body, message)

    def template_data(self, message: OutgoingMessage) -> dict[str, dict[str, str]]:
        """The ``data`` object of the template message, values shortened to WeChat's limits."""
        data: dict[str, dict[str, str]] = {}
        for keyword, source in self.config.template_fields.items():
            if source == "title":
                value = message.title
            elif source == "summary":
                value = message.summary
            elif source.startswith("extra:"):
                value = str(message.extra.get(source.removeprefix("extra:"), ""))
            else:
                value = source.removeprefix("text:")
            value = " ".join(value.split()) or self.config.empty_field_value
            data[keyword] = {"value": shorten_for_keyword(keyword, value)}
        return data

    def _post_template(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = request_or_retryable(
            self._session,
            "POST",
            f"{self.config.api_base}/cgi-bin/message/template/send",
            service="WeChat API",
            settings=self.config.http,
            params={"access_token": token},
            json=payload,
        )
        return self._json_body(response, "template send")

    def _result(self, body: dict[str, Any], message: OutgoingMessage) -> SendResult:
        code = body.get("errcode", 0)
        to = mask_address("wechat", message.address)
        if code == 0:
            msgid = str(body.get("msgid", ""))
            logger.info("wechat template accepted key=%s to=%s msgid=%s", message.idempotency_key, to, msgid)
            return SendResult(DeliveryOutcome.ACCEPTED, provider_message_id=msgid, detail="template message accepted")
        errmsg = redact(str(body.get("errmsg", "")), message.address)
        reason = f"WeChat errcode {code}"
        logger.warning("wechat template failed key=%s to=%s errcode=%s", message.idempotency_key, to, code)
        if code in CONTACT_GONE:
            raise ContactInactiveError(f"{reason}: {CONTACT_GONE[code]}", provider_code=str(code))
        if code == SYSTEM_BUSY:
            raise RetryableChannelError(f"{reason}: system busy", self.config.busy_retry_after_s, provider_code="-1")
        if code in RATE_LIMITED:
            raise RetryableChannelError(
                f"{reason}: {RATE_LIMITED[code]}", self._rate_limit_wait(code), provider_code=str(code)
            )
        if code in CONFIGURATION:
            raise ChannelConfigurationError(f"{reason}: {CONFIGURATION[code]}", provider_code=str(code))
        if code in PERMANENT:
            raise PermanentChannelError(f"{reason}: {PERMANENT[code]} ({errmsg})", provider_code=str(code))
        raise PermanentChannelError(f"{reason}: {errmsg or 'unknown error'}", provider_code=str(code))

    def _rate_limit_wait(self, code: int) -> float:
        if code == 45009:  # the daily quota resets at midnight Beijing time
            return seconds_until_china_time(0)
        return self.config.rate_limit_retry_after_s

    # --- access token ---------------------------------------------------------------

    def _access_token(self, rejected: str | None = None) -> str:
        cached = self._token_cache.get(self._token_key)
        if cached and cached != rejected:
            return cached
        with self._token_lock:
            cached = self._token_cache.get(self._token_key)
            if cached and cached != rejected:
                return cached  # another thread refreshed while we waited
            token, expires_in = self._fetch_token(force_refresh=rejected is not None)
            lifetime = max(expires_in - self.config.token_refresh_margin_s, expires_in / 2, 1.0)
            self._token_cache.set(self._token_key, token, lifetime)
            self.token_fetches += 1
            return token

    def _fetch_token(self, *, force_refresh: bool) -> tuple[str, float]:
        cfg = self.config
        if cfg.token_endpoint == "stable":
            response = request_or_retryable(
                self._session,
                "POST",
                f"{cfg.api_base}/cgi-bin/stable_token",
                service="WeChat token API",
                settings=cfg.http,
                json={
                    "grant_type": "client_credential",
                    "appid": cfg.app_id,
                    "secret": cfg.app_secret,
                    "force_refresh": force_refresh,
                },
            )
        else:
            response = request_or_retryable(
                self._session,
                "GET",
                f"{cfg.api_base}/cgi-bin/token",
                service="WeChat token API",
                settings=cfg.http,
                params={"grant_type": "client_credential", "appid": cfg.app_id, "secret": cfg.app_secret},
            )
        body = self._json_body(response, "access token")
        token = body.get("access_token")
        if token:
            try:
                expires_in = float(body.get("expires_in", 7200))
            except (TypeError, ValueError):
                expires_in = 7200.0
            logger.info("wechat access token obtained for app %s (expires in %.0fs)", cfg.app_id, expires_in)
            return str(token), expires_in
        code = body.get("errcode")
        reason = f"WeChat token request failed with errcode {code}"
        if code == SYSTEM_BUSY:
            raise RetryableChannelError(f"{reason}: system busy", cfg.busy_retry_after_s, provider_code="-1")
        if code in RATE_LIMITED:
            raise RetryableChannelError(
                f"{reason}: {RATE_LIMITED[code]}", self._rate_limit_wait(code), provider_code=str(code)
            )
        detail = CONFIGURATION.get(code) or redact(str(body.get("errmsg", "no token in response")), cfg.app_secret)
        raise ChannelConfigurationError(f"{reason}: {detail}", provider_code=str(code))

    def _json_body(self, response: requests.Response, what: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise RetryableChannelError(
                f"WeChat API answered HTTP {response.status_code} to the {what} request",
                self.config.busy_retry_after_s,
                provider_code=f"http-{response.status_code}",
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise RetryableChannelError(
                f"WeChat API answered the {what} request with a non-JSON body", self.config.busy_retry_after_s
            )
        return body


def client_msg_id(idempotency_key: str) -> str:
    """WeChat's ``client_msg_id``: the key itself, or its SHA-256 when longer than 64 characters."""
    if len(idempotency_key) <= 64:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def shorten_for_keyword(keyword: str, value: str) -> str:
    """Cut ``value`` to the limit of the keyword's type (``thing3`` → 20 characters)."""
    kind = keyword.rstrip("0123456789")
    limit = WECHAT_FIELD_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"
