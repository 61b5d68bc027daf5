"""A local stand-in for the WeChat service-account API (api.weixin.qq.com).

Speaks the parts the distribution channel uses, with the platform's error
codes: ``GET /cgi-bin/token``, ``POST /cgi-bin/stable_token`` and
``POST /cgi-bin/message/template/send``, and web OAuth for pages opened inside
WeChat: ``GET /connect/oauth2/authorize`` (open.weixin.qq.com; with
``snsapi_base`` it redirects straight back with a code, as WeChat does without
asking the user) and ``GET /sns/oauth2/access_token`` (code → openid; a code is
single-use and lives five minutes). Access tokens expire; template
sends are de-duplicated on (openid, client_msg_id) like the real platform
(same msgid, no second message). Every request is recorded.

Switches: ``fail_next_send(errcode)`` (e.g. 40001 once, 45009, -1),
``unfollowed`` / ``refused`` openid sets (43004 / 43101), ``expire_tokens()``,
and a seeded random ``error_rate`` over ``error_codes``.
"""

from __future__ import annotations

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
_FIELD_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "number": 32, "letter": 32, "symbol": 5}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON, or None


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
            body = json.loads(raw) if raw else None
        except ValueError:
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
        status, answer = self.server.fake._handle(method, parts.path, query, body)
        self.write_json(status, answer, "application/json; encoding=utf-8")


@dataclass
class FakeWeChatServer(LocalHttpFake):
    handler_class: ClassVar[type[KeepAliveHandler]] = _Handler

    app_id: str = "wx0123456789abcdef"
    app_secret: str = "fake-app-secret-0123456789"
    token_lifetime_s: int = 7200
    error_rate: float = 0.0
    error_codes: tuple[int, ...] = (-1,)
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    sent: list[dict[str, Any]] = field(default_factory=list, init=False)  # accepted, de-duplicated messages
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
        self._scripted: list[int] = []
        self._dedupe: dict[tuple[str, str], int] = {}
        self._msgids = itertools.count(2_000_000_000)
        self._random = random.Random(self.seed)
        self._oauth_codes: dict[str, tuple[str, float]] = {}  # code -> (openid, expiry); removed when used
        self._used_oauth_codes: set[str] = set()

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
        return [r for r in self.requests if r.path == "/cgi-bin/message/template/send"]

    # --- protocol ---------------------------------------------------------------------

    def _handle(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, body))
            if path == "/cgi-bin/token" and method == "GET":
                return 200, self._classic_token(query)
            if path == "/cgi-bin/stable_token" and method == "POST":
                return 200, self._stable(body if isinstance(body, dict) else {})
            if path == "/cgi-bin/message/template/send" and method == "POST":
                return 200, self._template_send(query.get("access_token", ""), body)
            if path == "/sns/oauth2/access_token" and method == "GET":
                return 200, self._oauth_access_token(query)
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
            if not redirect_uri.startswith(("http://", "https://")) or urlsplit(redirect_uri).hostname != self.oauth_domain:
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
        return {"access_token": "OAUTH_" + secrets.token_hex(16), "expires_in": 7200,
                "refresh_token": "REFRESH_" + secrets.token_hex(16), "openid": openid, "scope": "snsapi_base"}

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
        return error or {"access_token": self._issue(), "expires_in": self.token_lifetime_s}

    def _stable(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        error = self._credentials_error(body.get("appid"), body.get("secret"))
        if error:
            return error
        current = self._stable_token
        if body.get("force_refresh") or current is None or self._tokens.get(current, 0) <= time.monotonic():
            current = self._stable_token = self._issue()
        return {"access_token": current, "expires_in": int(self._tokens[current] - time.monotonic())}

    def _template_send(self, token: str, body: Any) -> dict[str, Any]:
        if token not in self._tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if self._tokens[token] <= time.monotonic():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if self._scripted:
            code = self._scripted.pop(0)
            return {"errcode": code, "errmsg": f"scripted error {code}"}
        if self.error_rate and self._random.random() < self.error_rate:
            code = self._random.choice(self.error_codes)
            return {"errcode": code, "errmsg": f"random error {code}"}
        if not isinstance(body, dict):
            return {"errcode": 47001, "errmsg": "data format error"}
        openid = str(body.get("touser", ""))
        if not _OPENID.match(openid):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if openid in self.unfollowed:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        if openid in self.refused:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        if not body.get("template_id"):
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            return {"errcode": 47003, "errmsg": "argument invalid! data is empty"}
        for keyword, entry in data.items():
            value = entry.get("value", "") if isinstance(entry, dict) else ""
            limit = _FIELD_LIMITS.get(keyword.rstrip("0123456789"))
            if not value or (limit is not None and len(value) > limit):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{keyword}.value invalid"}
        client_msg_id = str(body.get("client_msg_id", ""))
        if client_msg_id and (openid, client_msg_id) in self._dedupe:
            return {"errcode": 0, "errmsg": "ok", "msgid": self._dedupe[(openid, client_msg_id)]}
        msgid = next(self._msgids)
        if client_msg_id:
            self._dedupe[(openid, client_msg_id)] = msgid
        self.sent.append({**body, "msgid": msgid})
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}
