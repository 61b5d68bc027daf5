"""A local stand-in for the WeChat service-account and mini-program API (api.weixin.qq.com).

Speaks the parts the distribution channel uses, with the platform's error
codes: ``GET /cgi-bin/token``, ``POST /cgi-bin/stable_token``,
``POST /cgi-bin/message/template/send``, ``message/subscribe/bizsend`` and
``message/subscribe/send`` (subscribe messages), ``message/mass/sendall``
(群发 to a tag: ``clientmsgid`` idempotency, four a month), and web OAuth for pages opened inside
WeChat: ``GET /connect/oauth2/authorize`` (open.weixin.qq.com; with
``snsapi_base`` it redirects straight back with a code, as WeChat does without
asking the user) and ``GET /sns/oauth2/access_token`` (code → openid; a code is
single-use and lives five minutes), and the JS-SDK's ``GET /cgi-bin/ticket/getticket``
(``type=jsapi``; the same ticket until it expires, like the platform; a missing
access token is 41001, an unknown one 40001, an expired one 42001, another
``type`` 40097). ``jsapi_signature_ok`` is what the WeChat app checks at
``wx.config``: the signature recomputed with a ticket it issued that is still
valid. Access tokens expire; template
sends are de-duplicated on (openid, client_msg_id) like the real platform
(same msgid, no second message). Every request is recorded.

As strict as the real platform where the project could get it wrong:

- a classic ``/cgi-bin/token`` call leaves the previous token valid for five
  minutes; a ``stable_token`` call with ``force_refresh`` invalidates every
  earlier token at once and is allowed 20 times a day (then 45009);
- a body with ``\\uXXXX`` escapes of non-ASCII text is refused (47001): the real
  platform takes it and shows the escapes to the patient, so the fake makes it
  fail loudly instead; bodies must be UTF-8;
- every keyword value is checked against its type's rule (47003), with the
  fake's own reading of the official table, not the channel's code;
- sends are recorded with the wall-clock time they arrived (``send_times``)
  so tests can measure the aggregate rate of several worker processes.

Switches: ``fail_next_send(errcode)`` (e.g. 40001 once, 45009, -1),
``unfollowed`` / ``refused`` openid sets (43004 / 43101), ``expire_tokens()``,
``subscribed`` (openid → template ids a patient subscribed to, for subscribe
messages; one-time subscriptions are used up by one message), and a seeded
random ``error_rate`` over ``error_codes``.

``push_event`` plays WeChat's side of event pushes (receipts) to the studio:
it signs the query (token, timestamp, nonce) and, in safe mode, encrypts the
XML with wechatpy's implementation of the official scheme.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from .local_http import KeepAliveHandler, LocalHttpFake

__all__ = ["FakeWeChatServer", "RecordedRequest"]

_OPENID = re.compile(r"^o[A-Za-z0-9_-]{20,40}$")
# An escape of a non-ASCII character that is not itself an escaped backslash ("\\u4e2d" stays legal).
_ESCAPED_NON_ASCII = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")
FORCE_REFRESH_DAILY_LIMIT = 20
CLASSIC_OVERLAP_S = 300  # a classic token fetch leaves the previous token valid this long
MASS_SENDS_PER_MONTH = 4

# The official limits (订阅消息参数值内容限制说明), written independently of distribution/channels/wechat_keywords.py.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_SYMBOLS = r"""[!-/:-@\[-`{-~\u2000-\u206f\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\u00a5\uffe5…·—]"""
_KEYWORD_RULES = {
    "thing": re.compile(r"^.{1,20}$", re.S),
    "number": re.compile(r"^[+-]?(?=[\d.]{1,33}$)\d+(\.\d+)?$"),
    "letter": re.compile(r"^[A-Za-z]{1,32}$"),
    "symbol": re.compile(rf"^{_SYMBOLS}{{1,5}}$"),
    "character_string": re.compile(r"^[\x21-\x7e]{1,32}$"),
    "phone_number": re.compile(rf"^(?:\d|{_SYMBOLS}){{1,17}}$"),
    "car_number": re.compile(rf"^[{_HAN}A-Za-z0-9][A-Za-z0-9]{{0,6}}[{_HAN}A-Za-z0-9]?$"),
    "amount": re.compile(r"^(?:[¥￥$€£]\d{1,10}(\.\d{1,2})?元?|\d{1,10}(\.\d{1,2})?元)$"),
    "phrase": re.compile(rf"^[{_HAN}]{{1,5}}$"),
    "time": re.compile(
        r"^(\d{4}(年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})\s*)?([01]?\d|2[0-3])[:：][0-5]\d"
        r"([:：][0-5]\d)?(\s*~\s*.+)?$"
    ),
    "date": re.compile(r"^\d{4}(年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2}).*$"),
}


def keyword_value_ok(keyword: str, value: str) -> bool:
    """What WeChat accepts for ``keyword`` (``thing3``, ``name1``…); keywords of older templates take any text."""
    kind = keyword.rstrip("0123456789")
    if not value:
        return False
    if kind == "name":
        han = re.search(f"[{_HAN}]", value)
        return len(value) <= (10 if han else 20)
    rule = _KEYWORD_RULES.get(kind)
    return rule is None or bool(rule.match(value))


_SEND_PATHS = (
    "/cgi-bin/message/template/send",
    "/cgi-bin/message/subscribe/bizsend",
    "/cgi-bin/message/subscribe/send",
)


def _beijing_day() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON, or None
    raw: bytes = b""  # the body as it came over the wire


class _Handler(KeepAliveHandler):
    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        raw = self.read_body()
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:  # not UTF-8, or not JSON
            body = None
        if parts.path == "/connect/oauth2/authorize":
            status, location, text = self.server.fake._authorize(query)
            payload = text.encode()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        status, answer = self.server.fake._handle(method, parts.path, query, body, raw)
        self.write_json(status, answer, "application/json; encoding=utf-8")


@dataclass
class FakeWeChatServer(LocalHttpFake):
    handler_class: ClassVar[type[KeepAliveHandler]] = _Handler

    app_id: str = "wx0123456789abcdef"
    app_secret: str = "fake-app-secret-0123456789"
    token_lifetime_s: int = 7200
    ticket_lifetime_s: int = 7200
    error_rate: float = 0.0
    error_codes: tuple[int, ...] = (-1,)
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    sent: list[dict[str, Any]] = field(default_factory=list, init=False)  # accepted, de-duplicated messages
    send_times: list[tuple[float, int]] = field(
        default_factory=list, init=False
    )  # (time.time(), msgid) per accepted send
    mass_jobs: list[dict[str, Any]] = field(default_factory=list, init=False)
    # openid -> {template_id: "long" | "once"}: what a patient subscribed to (subscribe messages)
    subscribed: dict[str, dict[str, str]] = field(default_factory=dict, init=False)
    # tag id -> openids carrying it (mass sends)
    tags: dict[int, set[str]] = field(default_factory=dict, init=False)
    unfollowed: set[str] = field(default_factory=set, init=False)
    refused: set[str] = field(default_factory=set, init=False)
    # The WeChat user whose phone opens the OAuth page (their openid under this app).
    oauth_openid: str = "oJoinPatient0000000000001"
    oauth_code_lifetime_s: int = 300
    # The account's 网页授权域名: WeChat refuses a redirect_uri on any other host.
    oauth_domain: str = "kp.example.cn"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> expiry (monotonic)
        self._stable_token: str | None = None
        self._force_refreshes: dict[str, int] = {}  # day (Beijing time) -> force refreshes that day
        self.force_refresh_limit = FORCE_REFRESH_DAILY_LIMIT
        self._mass_clientmsgids: dict[str, dict[str, Any]] = {}
        self._scripted: list[int] = []
        self._dedupe: dict[tuple[str, str], int] = {}
        self._msgids = itertools.count(2_000_000_000)
        self._random = random.Random(self.seed)
        self._oauth_codes: dict[str, tuple[str, float]] = {}  # code -> (openid, expiry); removed when used
        self._used_oauth_codes: set[str] = set()
        self._tickets: dict[str, float] = {}  # jsapi / wx_card ticket -> expiry (monotonic)
        self._ticket_by_type: dict[str, str] = {}

    # --- switches and observations -------------------------------------------------

    def fail_next_send(self, errcode: int, *, times: int = 1) -> None:
        with self._lock:
            self._scripted.extend([errcode] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far becomes expired (the API then answers 42001)."""
        with self._lock:
            self._tokens = {token: 0.0 for token in self._tokens}
            self._stable_token = None

    @property
    def token_requests(self) -> int:
        return sum(1 for r in self.requests if r.path in ("/cgi-bin/token", "/cgi-bin/stable_token"))

    @property
    def send_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path in _SEND_PATHS]

    @property
    def force_refreshes_today(self) -> int:
        return self._force_refreshes.get(_beijing_day(), 0)

    def expire_tickets(self) -> None:
        """Every jsapi ticket issued so far stops working (a page signed with one fails ``wx.config``)."""
        with self._lock:
            self._tickets = {ticket: 0.0 for ticket in self._tickets}

    @property
    def ticket_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/cgi-bin/ticket/getticket"]

    def valid_tickets(self) -> list[str]:
        now = time.monotonic()
        return [ticket for ticket, expiry in self._tickets.items() if expiry > now]

    def jsapi_signature_ok(
        self, *, app_id: str, url: str, nonce_str: str, timestamp: int | str, signature: str
    ) -> bool:
        """The check behind ``wx.config``, spelled as the JS-SDK documentation's example string."""
        if app_id != self.app_id or "#" in url:
            return False
        for ticket in self.valid_tickets():
            text = f"jsapi_ticket={ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={url}"
            if hashlib.sha1(text.encode("utf-8")).hexdigest() == signature:
                return True
        return False

    def valid_tokens(self) -> list[str]:
        now = time.monotonic()
        return [token for token, expiry in self._tokens.items() if expiry > now]

    # --- protocol ---------------------------------------------------------------------

    def _handle(
        self, method: str, path: str, query: dict[str, str], body: Any, raw: bytes = b""
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, body, raw))
            if path == "/cgi-bin/token" and method == "GET":
                return 200, self._classic_token(query)
            if path == "/cgi-bin/stable_token" and method == "POST":
                return 200, self._stable(body if isinstance(body, dict) else {})
            if method == "POST" and (path in _SEND_PATHS or path == "/cgi-bin/message/mass/sendall"):
                rejected = self._token_error(query.get("access_token", "")) or self._body_error(raw, body)
                if rejected:
                    return 200, rejected
                if path == "/cgi-bin/message/mass/sendall":
                    return 200, self._mass_send(body)
                return 200, self._message_send(path, body)
            if path == "/sns/oauth2/access_token" and method == "GET":
                return 200, self._oauth_access_token(query)
            if path == "/cgi-bin/ticket/getticket" and method == "GET":
                return 200, self._getticket(query)
            return 404, {"errcode": 404, "errmsg": "not found"}

    def _authorize(self, query: dict[str, str]) -> tuple[int, str, str]:
        """What WeChat's authorize page does: an error page, or a redirect back with a fresh code."""
        with self._lock:
            self.requests.append(RecordedRequest("GET", "/connect/oauth2/authorize", query, None))
            if query.get("appid") != self.app_id:
                return 200, "", "errcode=10003 redirect_uri domain mismatch or invalid appid"
            if query.get("response_type") != "code":
                return 200, "", "errcode=10004 invalid response_type"
            if query.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
                return 200, "", "errcode=10005 invalid scope"
            redirect_uri = query.get("redirect_uri", "")
            if (
                not redirect_uri.startswith(("http://", "https://"))
                or urlsplit(redirect_uri).hostname != self.oauth_domain
            ):
                return 200, "", "errcode=10003 redirect_uri domain mismatch"
            code = secrets.token_hex(16)
            self._oauth_codes[code] = (self.oauth_openid, time.monotonic() + self.oauth_code_lifetime_s)
            separator = "&" if "?" in redirect_uri else "?"
            state = query.get("state", "")
            return 302, f"{redirect_uri}{separator}code={code}&state={state}", ""

    def _oauth_access_token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        error = self._credentials_error(query.get("appid"), query.get("secret"))
        if error:
            return error
        code = query.get("code", "")
        if code in self._used_oauth_codes:
            return {"errcode": 40163, "errmsg": "code been used"}
        entry = self._oauth_codes.pop(code, None)  # single use, even when expired
        if entry is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        self._used_oauth_codes.add(code)
        openid, expiry = entry
        if expiry <= time.monotonic():
            return {"errcode": 40029, "errmsg": "invalid code (expired)"}
        return {
            "access_token": "OAUTH_" + secrets.token_hex(16),
            "expires_in": 7200,
            "refresh_token": "REFRESH_" + secrets.token_hex(16),
            "openid": openid,
            "scope": "snsapi_base",
        }

    def _credentials_error(self, appid: str | None, secret: str | None) -> dict[str, Any] | None:
        if appid != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if secret != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        return None

    def _issue(self) -> str:
        token = "ACCESS_TOKEN_" + secrets.token_hex(16)
        self._tokens[token] = time.monotonic() + self.token_lifetime_s
        return token

    def _classic_token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        error = self._credentials_error(query.get("appid"), query.get("secret"))
        if error:
            return error
        overlap_end = time.monotonic() + CLASSIC_OVERLAP_S  # the previous tokens live five more minutes
        self._tokens = {token: min(expiry, overlap_end) for token, expiry in self._tokens.items()}
        return {"access_token": self._issue(), "expires_in": self.token_lifetime_s}

    def _stable(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        error = self._credentials_error(body.get("appid"), body.get("secret"))
        if error:
            return error
        if not isinstance(body.get("force_refresh", False), bool):
            return {"errcode": 40097, "errmsg": "invalid args: force_refresh must be a boolean"}
        current = self._stable_token
        if body.get("force_refresh"):
            day = _beijing_day()
            if self._force_refreshes.get(day, 0) >= self.force_refresh_limit:
                return {"errcode": 45009, "errmsg": "reach max api daily quota limit (force_refresh)"}
            self._force_refreshes[day] = self._force_refreshes.get(day, 0) + 1
            self._tokens.clear()  # force refresh: every earlier token stops working at once
            current = self._stable_token = self._issue()
        elif current is None or self._tokens.get(current, 0) <= time.monotonic():
            current = self._stable_token = self._issue()
        return {"access_token": current, "expires_in": int(self._tokens[current] - time.monotonic())}

    def _getticket(self, query: dict[str, str]) -> dict[str, Any]:
        if not query.get("access_token"):
            return {"errcode": 41001, "errmsg": "access_token missing"}
        rejected = self._token_error(query["access_token"])
        if rejected:
            return rejected
        kind = query.get("type")
        if kind not in ("jsapi", "wx_card"):
            return {"errcode": 40097, "errmsg": "invalid args: type"}
        now = time.monotonic()
        current = self._ticket_by_type.get(kind)
        if current is None or self._tickets.get(current, 0) <= now:
            current = self._ticket_by_type[kind] = "TICKET_" + secrets.token_urlsafe(48)
            self._tickets[current] = now + self.ticket_lifetime_s
        return {"errcode": 0, "errmsg": "ok", "ticket": current, "expires_in": int(self._tickets[current] - now)}

    def _token_error(self, token: str) -> dict[str, Any] | None:
        if token not in self._tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if self._tokens[token] <= time.monotonic():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _body_error(self, raw: bytes, body: Any) -> dict[str, Any] | None:
        if _ESCAPED_NON_ASCII.search(raw):
            # WeChat would accept this and show "\u9ad8\u8840\u538b" to the patient: fail the test instead.
            return {
                "errcode": 47001,
                "errmsg": "data format error: \\u escapes would be shown to the reader as they are",
            }
        if not isinstance(body, dict):
            return {"errcode": 47001, "errmsg": "data format error (not UTF-8 JSON)"}
        return None

    def _data_error(self, data: Any) -> dict[str, Any] | None:
        if not isinstance(data, dict) or not data:
            return {"errcode": 47003, "errmsg": "argument invalid! data is empty"}
        for keyword, entry in data.items():
            value = entry.get("value", "") if isinstance(entry, dict) else ""
            if not isinstance(value, str) or not keyword_value_ok(keyword, value):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{keyword}.value invalid"}
        return None

    def _message_send(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._scripted:
            code = self._scripted.pop(0)
            return {"errcode": code, "errmsg": f"scripted error {code}"}
        if self.error_rate and self._random.random() < self.error_rate:
            code = self._random.choice(self.error_codes)
            return {"errcode": code, "errmsg": f"random error {code}"}
        openid = str(body.get("touser", ""))
        if not _OPENID.match(openid):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if openid in self.unfollowed:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        if openid in self.refused:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        template_id = body.get("template_id")
        if not template_id:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        error = self._data_error(body.get("data"))
        if error:
            return error
        if path != "/cgi-bin/message/template/send":
            if "client_msg_id" in body or "url" in body:
                return {"errcode": 47001, "errmsg": "data format error: unknown field for a subscribe message"}
            if path == "/cgi-bin/message/subscribe/send" and not str(body.get("page", "")).startswith("pages/"):
                return {"errcode": 41030, "errmsg": "invalid page"}
            if body.get("miniprogram_state", "formal") not in ("formal", "trial", "developer"):
                return {"errcode": 47001, "errmsg": "invalid miniprogram_state"}
            kind = self.subscribed.get(openid, {}).get(template_id)
            if kind is None:
                return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
            if kind == "once":
                del self.subscribed[openid][template_id]  # a one-time subscription carries one message
        client_msg_id = str(body.get("client_msg_id", ""))
        if client_msg_id and (openid, client_msg_id) in self._dedupe:
            return {"errcode": 0, "errmsg": "ok", "msgid": self._dedupe[(openid, client_msg_id)]}
        msgid = next(self._msgids)
        if client_msg_id:
            self._dedupe[(openid, client_msg_id)] = msgid
        self.sent.append({**body, "msgid": msgid, "path": path})
        self.send_times.append((time.time(), msgid))
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def _mass_send(self, body: dict[str, Any]) -> dict[str, Any]:
        clientmsgid = str(body.get("clientmsgid", ""))
        if len(clientmsgid) > 64:
            return {"errcode": 45067, "errmsg": "clientmsgid size out of limit"}
        if clientmsgid in self._mass_clientmsgids:
            job = self._mass_clientmsgids[clientmsgid]
            return {"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": job["msg_id"]}
        filter_ = body.get("filter")
        if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict) or not isinstance(filter_, dict):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if body.get("send_ignore_reprint") not in (0, 1):
            return {"errcode": 47001, "errmsg": "data format error: send_ignore_reprint must be 0 or 1"}
        if filter_.get("is_to_all") is not False or filter_.get("tag_id") not in self.tags:
            return {"errcode": 40050, "errmsg": "invalid tagid"}
        month = time.strftime("%Y-%m")
        if sum(1 for job in self.mass_jobs if job["month"] == month) >= MASS_SENDS_PER_MONTH:
            return {"errcode": 45028, "errmsg": "has no masssend quota"}
        job = {
            "msg_id": next(self._msgids),
            "msg_data_id": next(self._msgids),
            "month": month,
            "tag_id": filter_["tag_id"],
            "text": body["text"].get("content", ""),
            "clientmsgid": clientmsgid,
            "recipients": sorted(self.tags[filter_["tag_id"]]),
        }
        self.mass_jobs.append(job)
        if clientmsgid:
            self._mass_clientmsgids[clientmsgid] = job
        return {
            "errcode": 0,
            "errmsg": "send job submission success",
            "msg_id": job["msg_id"],
            "msg_data_id": job["msg_data_id"],
        }
