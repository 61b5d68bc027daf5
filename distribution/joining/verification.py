"""One-time SMS codes for the join page, and the limits that keep the page from being abused.

State lives in Django's cache (Redis in production): a code is stored only
as an HMAC, under a key derived from the number with the secret key, so
neither the number nor the code is readable in the cache or its logs. Limits
(per number and per client address) are fixed windows counted with
``cache.add`` + ``cache.incr``, which are atomic on Redis and Memcached.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

__all__ = ["RateLimited", "CheckResult", "issue_code", "check_code", "limits", "hit_limit"]


@dataclass(frozen=True)
class Limits:
    code_ttl_s: int
    max_attempts: int
    resend_after_s: int
    sends_per_number_per_hour: int
    sends_per_address_per_hour: int
    joins_per_address_per_hour: int


def limits() -> Limits:
    """Read each time so tests and operators can change them (``KEPU_JOIN_LIMITS``)."""
    raw = dict(getattr(settings, "KEPU_JOIN_LIMITS", {}))
    return Limits(
        code_ttl_s=int(raw.get("code_ttl_s", 600)),
        max_attempts=int(raw.get("max_attempts", 5)),
        resend_after_s=int(raw.get("resend_after_s", 60)),
        sends_per_number_per_hour=int(raw.get("sends_per_number_per_hour", 5)),
        sends_per_address_per_hour=int(raw.get("sends_per_address_per_hour", 20)),
        joins_per_address_per_hour=int(raw.get("joins_per_address_per_hour", 30)),
    )


class RateLimited(Exception):
    def __init__(self, scope: str, retry_after_s: int):
        super().__init__(scope)
        self.scope = scope  # "number" or "address"
        self.retry_after_s = max(1, retry_after_s)


def _digest(*parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def hit_limit(scope: str, subject: str, limit: int, window_s: int) -> None:
    """Count one event for ``subject`` in the current window; raise ``RateLimited`` past ``limit``."""
    window = int(time.time() // window_s)
    key = f"kepu:join:limit:{scope}:{_digest(scope, subject)}:{window}"
    cache.add(key, 0, window_s + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, window_s + 5)
        count = 1
    if count > limit:
        raise RateLimited(scope, (window + 1) * window_s - int(time.time()))


def _code_key(number: str) -> str:
    return f"kepu:join:code:{_digest('code', number)}"


def issue_code(number: str, client_address: str) -> str:
    """A new 6-digit code for ``number``, after the resend interval and the hourly limits allow it."""
    config = limits()
    now = time.time()
    current = cache.get(_code_key(number))
    if current and now - current["issued_at"] < config.resend_after_s:
        raise RateLimited("resend", int(config.resend_after_s - (now - current["issued_at"])))
    hit_limit("send-address", client_address, config.sends_per_address_per_hour, 3600)
    hit_limit("send-number", number, config.sends_per_number_per_hour, 3600)
    code = f"{secrets.randbelow(1_000_000):06d}"
    cache.set(
        _code_key(number),
        {
            "digest": _digest("otp", number, code),
            "issued_at": now,
            "expires_at": now + config.code_ttl_s,
            "attempts": 0,
        },
        config.code_ttl_s + 60,
    )
    return code


def forget_code(number: str) -> None:
    cache.delete(_code_key(number))


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    reason: str = ""  # "missing", "expired", "wrong", "attempts"
    attempts_left: int = 0


def check_code(number: str, code: str) -> CheckResult:
    """Compare ``code`` with the one sent to ``number``; a right code is used up, wrong ones are counted."""
    config = limits()
    entry = cache.get(_code_key(number))
    if not entry:
        return CheckResult(False, "missing")
    if time.time() >= entry["expires_at"]:
        forget_code(number)
        return CheckResult(False, "expired")
    if entry["attempts"] >= config.max_attempts:
        return CheckResult(False, "attempts")
    if hmac.compare_digest(entry["digest"], _digest("otp", number, (code or "").strip())):
        forget_code(number)
        return CheckResult(True)
    entry["attempts"] += 1
    cache.set(_code_key(number), entry, max(1, int(entry["expires_at"] - time.time())) + 60)
    left = config.max_attempts - entry["attempts"]
    return CheckResult(False, "attempts" if left <= 0 else "wrong", left)
