"""WeChat: template messages and subscribe messages (订阅通知) to one patient, mass sends to a tag.

Protocol: ``POST /cgi-bin/message/template/send?access_token=…`` with
``touser`` (openid), ``template_id``, ``url``, ``data`` and ``client_msg_id``;
``message/subscribe/bizsend`` (service account) or ``message/subscribe/send``
(mini program) for subscribe messages; ``message/mass/sendall`` for a tag;
``GET /cgi-bin/ticket/getticket?type=jsapi`` for the JS-SDK ticket that signs
the share card of a reading page opened inside WeChat (``wechat_jsapi``).
Bodies are raw UTF-8 JSON (``ensure_ascii=False``, as wechatpy sends them):
WeChat shows ``\\uXXXX`` escapes to the reader as they are.

The access token comes from ``POST /cgi-bin/stable_token`` by default: unlike
the classic ``GET /cgi-bin/token``, fetching it does not invalidate the token
other worker processes hold, and the app secret travels in the body instead
of the URL. The token lives in the token cache (Django's cache, Redis in
production, so every worker process shares one) until
``token_refresh_margin_s`` before it expires, and one process fetches it at a
time under a lock kept in that cache. A token the API rejects
(40001/40014/42001) is first re-read and re-fetched *without* force: another
worker may already have replaced it. Only when WeChat hands back the very token
it rejected is ``force_refresh`` used — it invalidates the token of every other
worker and is allowed 20 times a day. The jsapi ticket is kept the same way,
under its own key, with the lifetime WeChat gives it.

``client_msg_id`` lets WeChat drop a duplicate of the same message to the same
openid, but only for a short window, so the delivery ledger stays the primary
guard against double sends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Protocol
from urllib.parse import quote

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
from .wechat_keywords import KeywordValueError, fit_keyword_value
from .wechat_push import aes_key

__all__ = ["WeChatConfig", "WeChatChannel", "TokenCache", "InMemoryTokenCache", "MassSendResult", "CacheLock"]

logger = logging.getLogger(__name__)

TOKEN_REJECTED = frozenset({40001, 40014, 42001})  # invalid credential / invalid token / token expired
RATE_LIMITED = {
    45009: "daily API quota reached",
    45047: "too many messages to this user",
    45011: "API minute quota reached",
}
SYSTEM_BUSY = -1
CONTACT_GONE = {43004: "recipient no longer follows the account", 43101: "recipient refused template messages"}
PERMANENT = {
    40003: "invalid openid",
    47003: "template data rejected",
    40008: "invalid message type",
    47001: "message body rejected",
    41030: "mini program page does not exist",
}
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
MASS_SEND_REFUSED = {
    45028: "no mass-send quota left this month",
    45066: "the same clientmsgid was retried within a minute",
    45067: "clientmsgid longer than 64 characters",
    40050: "invalid tag",
}
MASS_SEND_REPEATED = 45065  # a job with this clientmsgid exists: the answer carries its msg_id
_FIELD_SOURCES = ("title", "summary")


class TokenCache(Protocol):
    """The part of Django's cache API the token store needs (``django.core.cache.cache`` fits)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, timeout: float | None = None) -> Any: ...

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool: ...

    def delete(self, key: str) -> Any: ...


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

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[1] > self._clock():
                return False
            self._entries[key] = (value, float("inf") if timeout is None else self._clock() + timeout)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


class CacheLock:
    """A lock every process using ``cache`` shares: an atomic ``add`` (Redis ``SET NX``) with a lifetime.

    The lifetime frees the lock when its holder dies; a waiter stops waiting after
    ``wait_s`` and goes ahead (one extra token fetch beats a stuck worker).
    """

    def __init__(self, cache: TokenCache, key: str, *, hold_s: float = 15.0, wait_s: float = 20.0):
        self._cache, self._key, self._hold_s, self._wait_s = cache, key, hold_s, wait_s
        self._owner = uuid.uuid4().hex
        self.acquired = False

    def __enter__(self) -> CacheLock:
        deadline = time.monotonic() + self._wait_s
        pause = 0.005
        while not self._cache.add(self._key, self._owner, self._hold_s):
            if time.monotonic() > deadline:
                logger.warning("lock %s not obtained within %.0fs; going ahead", self._key, self._wait_s)
                return self
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        self.acquired = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.acquired and self._cache.get(self._key) == self._owner:
            self._cache.delete(self._key)


@dataclass(frozen=True)
class WeChatConfig:
    """Credentials and template of one service account or mini program.

    ``template_fields`` maps each keyword of the template to what fills it:
    "title", "summary", "extra:<key>" (from ``OutgoingMessage.extra``) or
    "text:<fixed text>". Values are fitted to the keyword type's rule
    (``wechat_keywords``).

    ``message_kind`` "template" sends template messages (service accounts);
    "subscribe" sends subscribe messages (订阅通知, shown under 服务通知):
    ``bizsend`` for a service account, ``subscribe/send`` for a mini program
    (``account_type``). A mini program opens ``miniprogram_page`` with the
    article's link as its ``url`` parameter; a service account opens the link
    itself, or that page of ``miniprogram_app_id`` when one is set.
    """

    app_id: str
    app_secret: str
    template_id: str
    template_fields: Mapping[str, str] = field(default_factory=lambda: {"thing1": "title", "thing2": "summary"})
    message_kind: Literal["template", "subscribe"] = "template"
    account_type: Literal["service", "miniprogram"] = "service"
    miniprogram_app_id: str = ""
    miniprogram_page: str = ""  # e.g. "pages/article/index"
    miniprogram_state: Literal["formal", "trial", "developer"] = "formal"
    # Receipts (event pushes): the server configuration's Token, and its EncodingAESKey in safe mode.
    push_token: str = ""
    encoding_aes_key: str = ""
    api_base: str = "https://api.weixin.qq.com"
    oauth_base: str = "https://open.weixin.qq.com"  # web OAuth (pages opened inside WeChat)
    token_endpoint: Literal["stable", "classic"] = "stable"  # noqa: S105 - which token API, not a secret
    token_refresh_margin_s: float = 300.0
    empty_field_value: str = "-"  # WeChat rejects empty keyword values
    busy_retry_after_s: float = 5.0
    rate_limit_retry_after_s: float = 60.0
    http: HttpSettings = field(default_factory=HttpSettings)

    def __post_init__(self) -> None:
        for name in ("app_id", "app_secret", "template_id"):
            if not getattr(self, name):
                raise ValueError(f"WeChatConfig.{name} must not be empty")
        choices = {
            "token_endpoint": ("stable", "classic"),
            "message_kind": ("template", "subscribe"),
            "account_type": ("service", "miniprogram"),
            "miniprogram_state": ("formal", "trial", "developer"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"WeChatConfig.{name} must be one of {', '.join(allowed)}")
        if self.account_type == "miniprogram" and self.message_kind != "subscribe":
            raise ValueError("a mini program reaches patients with subscribe messages, not template messages")
        if self.account_type == "miniprogram" and not self.miniprogram_page:
            raise ValueError("a mini program's subscribe message needs miniprogram_page (the page showing the article)")
        if self.encoding_aes_key:
            aes_key(self.encoding_aes_key)  # 43 characters of base64 for a 32-byte key, or a clear error
            if not self.push_token:
                raise ValueError("WeChatConfig.encoding_aes_key needs the push_token of the same server configuration")
        if not self.template_fields:
            raise ValueError("WeChatConfig.template_fields must name at least one template keyword")
        for keyword, source in self.template_fields.items():
            if source not in _FIELD_SOURCES and not source.startswith(("extra:", "text:")):
                raise ValueError(
                    f"template field {keyword!r}: source {source!r} must be one of "
                    "'title', 'summary', 'extra:<key>', 'text:<fixed text>'"
                )
            if source.startswith("text:"):
                fit_keyword_value(keyword, source.removeprefix("text:"))  # a fixed text that never fits: refuse now
        if not self.api_base.startswith(("https://", "http://")):
            raise ValueError("WeChatConfig.api_base must be an http(s) URL")
        if not self.oauth_base.startswith(("https://", "http://")):
            raise ValueError("WeChatConfig.oauth_base must be an http(s) URL")
        object.__setattr__(self, "oauth_base", self.oauth_base.rstrip("/"))
        if isinstance(self.http, Mapping):
            object.__setattr__(self, "http", HttpSettings(**self.http))
        object.__setattr__(self, "template_fields", MappingProxyType(dict(self.template_fields)))
        object.__setattr__(self, "api_base", self.api_base.rstrip("/"))

    @property
    def send_path(self) -> str:
        if self.message_kind == "template":
            return "/cgi-bin/message/template/send"
        if self.account_type == "service":
            return "/cgi-bin/message/subscribe/bizsend"
        return "/cgi-bin/message/subscribe/send"

    def __repr__(self) -> str:
        return (
            f"WeChatConfig(app_id={self.app_id!r}, app_secret='***', "
            f"template_id={self.template_id!r}, api_base={self.api_base!r})"
        )


@dataclass(frozen=True)
class MassSendResult:
    """WeChat's answer to a mass send: the job id its MASSSENDJOBFINISH receipt names."""

    msg_id: str
    msg_data_id: str = ""
    repeated: bool = False  # the clientmsgid was used before: this is that earlier job


class WeChatChannel(HttpChannel[WeChatConfig]):
    """Template or subscribe messages to followers, and mass sends to a tag of followers."""

    kind: ClassVar[str] = "wechat"

    def __init__(
        self,
        config: WeChatConfig,
        *,
        session: requests.Session | None = None,
        token_cache: TokenCache | None = None,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(config, session=session, clock=clock)
        self._token_cache = token_cache or InMemoryTokenCache(clock)
        self._token_key = f"kepu:wechat-access-token:{config.app_id}"
        self._token_lock = threading.Lock()
        self._ticket_key = f"kepu:wechat-jsapi-ticket:{config.app_id}"
        self._ticket_lock = threading.Lock()
        self.token_fetches = 0  # how many tokens this instance requested (observability)
        self.ticket_fetches = 0  # and how many jsapi tickets

    # --- sending -----------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> SendResult:
        body = self._call(self.config.send_path, self.payload(message), what="message send")
        return self._result(body, message)

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        """The JSON body for ``message`` on the configured message kind."""
        cfg = self.config
        payload: dict[str, Any] = {
            "touser": message.address,
            "template_id": cfg.template_id,
            "data": self.template_data(message),
        }
        if cfg.message_kind == "template":
            payload.update(url=message.url, client_msg_id=client_msg_id(message.idempotency_key))
        elif cfg.account_type == "miniprogram":
            payload.update(
                page=self._mini_program_page(message),
                miniprogram_state=cfg.miniprogram_state,
                lang="zh_CN" if message.is_chinese else "en_US",
            )
        elif cfg.miniprogram_app_id:
            payload["miniprogram"] = {"appid": cfg.miniprogram_app_id, "pagepath": self._mini_program_page(message)}
        else:
            payload["page"] = message.url  # bizsend: "page" is the web page the card opens
        return payload

    def _mini_program_page(self, message: OutgoingMessage) -> str:
        separator = "&" if "?" in self.config.miniprogram_page else "?"
        return f"{self.config.miniprogram_page}{separator}url={quote(message.url, safe='')}"

    def template_data(self, message: OutgoingMessage) -> dict[str, dict[str, str]]:
        """The ``data`` object of the message, each value fitted to its keyword type."""
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
            try:
                data[keyword] = {"value": fit_keyword_value(keyword, value)}
            except KeywordValueError as exc:
                raise PermanentChannelError(f"WeChat template keyword rejected before sending: {exc}") from None
        return data

    def mass_send_to_tag(
        self, tag_id: int, text: str, *, clientmsgid: str, send_ignore_reprint: bool = False
    ) -> MassSendResult:
        """群发 a text to every follower carrying the account's tag ``tag_id``.

        ``clientmsgid`` makes the send idempotent on WeChat's side: a repeat answers 45065
        with the earlier job's ``msg_id``, which is returned as that job (``repeated``).
        Service accounts have four mass sends a month.
        """
        body = self._call(
            "/cgi-bin/message/mass/sendall",
            {
                "filter": {"is_to_all": False, "tag_id": int(tag_id)},
                "text": {"content": text},
                "msgtype": "text",
                "send_ignore_reprint": 1 if send_ignore_reprint else 0,
                "clientmsgid": client_msg_id(clientmsgid),
            },
            what="mass send",
        )
        code = body.get("errcode", 0)
        if code in (0, MASS_SEND_REPEATED) and body.get("msg_id"):
            return MassSendResult(
                str(body["msg_id"]), str(body.get("msg_data_id", "")), repeated=code == MASS_SEND_REPEATED
            )
        if code in MASS_SEND_REFUSED:
            raise PermanentChannelError(f"WeChat errcode {code}: {MASS_SEND_REFUSED[code]}", provider_code=str(code))
        self._raise_for(code, str(body.get("errmsg", "")), "mass send")
        raise PermanentChannelError(f"WeChat answered the mass send without a msg_id (errcode {code})")

    # --- calls ----------------------------------------------------------------------

    def _call(
        self,
        path: str,
        payload: dict[str, Any] | None,
        *,
        what: str,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST ``payload`` as raw UTF-8 JSON (or GET with ``params``); a rejected token is replaced once
        (see the module docstring)."""
        token = self._access_token()
        body = self._request(method, path, token, payload, params, what)
        if body.get("errcode") in TOKEN_REJECTED:
            logger.info("wechat access token rejected (errcode %s); replacing it", body.get("errcode"))
            token = self._access_token(rejected=token)
            body = self._request(method, path, token, payload, params, what)
            if body.get("errcode") in TOKEN_REJECTED:
                raise RetryableChannelError(
                    f"WeChat rejected a freshly issued access token (errcode {body['errcode']})",
                    self.config.busy_retry_after_s,
                    provider_code=str(body["errcode"]),
                )
        return body

    def _request(
        self,
        method: str,
        path: str,
        token: str,
        payload: dict[str, Any] | None,
        params: Mapping[str, str] | None,
        what: str,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if payload is not None:
            extra = {
                "data": json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                "headers": {"Content-Type": "application/json; charset=utf-8"},
            }
        response = request_or_retryable(
            self._session,
            method,
            f"{self.config.api_base}{path}",
            service="WeChat API",
            settings=self.config.http,
            params={"access_token": token, **(params or {})},
            **extra,
        )
        return self._json_body(response, what)

    def _result(self, body: dict[str, Any], message: OutgoingMessage) -> SendResult:
        code = body.get("errcode", 0)
        to = mask_address("wechat", message.address)
        if code == 0:
            msgid = str(body.get("msgid", ""))
            logger.info(
                "wechat %s accepted key=%s to=%s msgid=%s", self.config.message_kind, message.idempotency_key, to, msgid
            )
            return SendResult(
                DeliveryOutcome.ACCEPTED,
                provider_message_id=msgid,
                detail=f"{self.config.message_kind} message accepted",
            )
        logger.warning(
            "wechat %s failed key=%s to=%s errcode=%s", self.config.message_kind, message.idempotency_key, to, code
        )
        errmsg = redact(str(body.get("errmsg", "")), message.address)
        if code == 43101 and self.config.message_kind == "subscribe":
            # A subscribe message needs the patient's subscription; a one-time one is used up by each message.
            raise PermanentChannelError(
                f"WeChat errcode {code}: the patient has not subscribed to this notice "
                "(or the subscription was used up)",
                provider_code=str(code),
            )
        if code in CONTACT_GONE:
            raise ContactInactiveError(f"WeChat errcode {code}: {CONTACT_GONE[code]}", provider_code=str(code))
        self._raise_for(code, errmsg, "message")
        raise PermanentChannelError(f"WeChat errcode {code}: {errmsg or 'unknown error'}", provider_code=str(code))

    def _raise_for(self, code: Any, errmsg: str, what: str) -> None:
        """Raise the error class of a WeChat errcode shared by every call (none for codes it does not know)."""
        reason = f"WeChat errcode {code}"
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

    def _rate_limit_wait(self, code: int) -> float:
        if code == 45009:  # the daily quota resets at midnight Beijing time
            return seconds_until_china_time(0)
        return self.config.rate_limit_retry_after_s

    # --- access token ---------------------------------------------------------------

    def _cached(self, key: str, rejected: str | None) -> str | None:
        entry = self._token_cache.get(key)
        fresh = isinstance(entry, dict) and entry.get("token") and entry.get("refresh_at", 0) > self._clock()
        if fresh and entry["token"] != rejected:
            return str(entry["token"])
        return None

    def _shared(
        self, key: str, lock: threading.Lock, fetch: Callable[[], tuple[str, float]], rejected: str | None = None
    ) -> str:
        """A credential every process shares through the token cache: at most one process fetches it,
        the others wait and read what it stored; it is replaced ``token_refresh_margin_s`` before it expires."""
        if value := self._cached(key, rejected):
            return value
        with lock, CacheLock(self._token_cache, key + ":lock"):
            if value := self._cached(key, rejected):
                return value  # another thread or worker replaced it while we waited
            value, expires_in = fetch()
            lifetime = max(expires_in - self.config.token_refresh_margin_s, expires_in / 2, 1.0)
            self._token_cache.set(key, {"token": value, "refresh_at": self._clock() + lifetime}, expires_in)
            return value

    def _access_token(self, rejected: str | None = None) -> str:
        """The shared access token."""

        def fetch() -> tuple[str, float]:
            token, expires_in = self._fetch_token(force_refresh=False)
            if rejected is not None and token == rejected:
                # WeChat still hands out the token it just refused: only now force a new one.
                token, expires_in = self._fetch_token(force_refresh=True)
            return token, expires_in

        return self._shared(self._token_key, self._token_lock, fetch, rejected)

    def jsapi_ticket(self) -> str:
        """The JS-SDK ``jsapi_ticket`` (web pages opened inside WeChat sign ``wx.config`` with it).

        Shared and refreshed like the access token (WeChat limits how often a ticket may be
        fetched); ``getticket`` is called with the shared access token, replaced once when
        WeChat rejects it (40001/42001).
        """
        return self._shared(self._ticket_key, self._ticket_lock, self._fetch_jsapi_ticket)

    def _fetch_jsapi_ticket(self) -> tuple[str, float]:
        self.ticket_fetches += 1
        body = self._call(
            "/cgi-bin/ticket/getticket", None, what="jsapi ticket", method="GET", params={"type": "jsapi"}
        )
        code = body.get("errcode", 0)
        if code == 0 and body.get("ticket"):
            try:
                expires_in = float(body.get("expires_in", 7200))
            except (TypeError, ValueError):
                expires_in = 7200.0
            logger.info("wechat jsapi ticket obtained for app %s (expires in %.0fs)", self.config.app_id, expires_in)
            return str(body["ticket"]), expires_in
        self._raise_for(code, str(body.get("errmsg", "")), "jsapi ticket")
        raise PermanentChannelError(
            f"WeChat answered the jsapi ticket request without a ticket (errcode {code})", provider_code=str(code)
        )

    def _fetch_token(self, *, force_refresh: bool) -> tuple[str, float]:
        cfg = self.config
        self.token_fetches += 1
        if cfg.token_endpoint == "stable":  # noqa: S105 - which token API, not a secret
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
            logger.info(
                "wechat access token obtained for app %s (expires in %.0fs, forced %s)",
                cfg.app_id,
                expires_in,
                force_refresh,
            )
            return str(token), expires_in
        code: Any = body.get("errcode")  # an int in WeChat's answers; anything else is in none of the tables
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
    """WeChat's ``client_msg_id``/``clientmsgid``: the key itself, or its SHA-256 when longer than 64 characters."""
    if len(idempotency_key) <= 64:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()
