"""The channel interface and the HTTP plumbing the HTTP-based channels share."""

from __future__ import annotations

import email.utils
import errno
import socket
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import requests
from requests.adapters import HTTPAdapter

from .errors import RetryableChannelError
from .messages import OutgoingMessage, SendResult

__all__ = [
    "Channel",
    "HttpChannel",
    "HttpSettings",
    "build_http_session",
    "request_or_retryable",
    "parse_retry_after",
    "seconds_until_china_time",
    "CHINA_STANDARD_TIME",
]

# Provider quotas (WeChat daily API limits, SMS daily caps, marketing hours)
# reset on Beijing time, whatever the server's own time zone is.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class Channel(ABC):
    """Sends one ``OutgoingMessage`` through one provider.

    ``send`` returns a ``SendResult`` when the provider took the message and
    raises ``RetryableChannelError``, ``PermanentChannelError`` or
    ``ContactInactiveError`` otherwise; it never retries by sleeping (backoff
    belongs to the task queue) except for the one immediate retry a provider
    protocol requires (WeChat's expired access token). Instances are safe to
    share between threads and should be reused: they keep connections open.
    """

    kind: ClassVar[str]

    @abstractmethod
    def send(self, message: OutgoingMessage) -> SendResult:
        """Hand ``message`` to the provider once."""

    def close(self) -> None:  # noqa: B027 - a default, not a duty: a channel without pooled connections has none to release
        """Release pooled connections."""

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts and pool size of an HTTP-based channel."""

    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    pool_size: int = 16  # connections kept per host; match the worker's concurrency

    def __post_init__(self) -> None:
        if self.connect_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout_s, self.read_timeout_s)


class _HttpConfig(Protocol):
    """What ``HttpChannel`` needs from a channel's config dataclass."""

    @property
    def http(self) -> HttpSettings: ...


ConfigT = TypeVar("ConfigT", bound=_HttpConfig)


class HttpChannel(Channel, Generic[ConfigT]):
    """A channel that talks HTTP through one pooled ``requests.Session``.

    Pass ``session`` to share one connection pool between several channels
    (the caller then owns it and ``close`` leaves it open); otherwise the
    channel builds its own from ``config.http`` and closes it. ``clock`` is
    injectable so tests can pin signing timestamps and token expiry.
    """

    def __init__(
        self,
        config: ConfigT,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.config = config
        self._session = session or build_http_session(config.http)
        self._owns_session = session is None
        self._clock = clock

    def close(self) -> None:
        if self._owns_session:
            self._session.close()


def build_http_session(settings: HttpSettings, user_agent: str = "KepuStudio-Distribution/1.0") -> requests.Session:
    """A keep-alive session with no automatic retries (retries are the ledger's decision)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=32, pool_maxsize=settings.pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    session.trust_env = False  # no surprise proxies from the environment for patient data
    return session


def request_or_retryable(
    session: requests.Session,
    method: str,
    url: str,
    *,
    service: str,
    settings: HttpSettings,
    **kwargs: Any,
) -> requests.Response:
    """Perform one request; network failures become ``RetryableChannelError``.

    requests' own messages include the full URL, which may carry an access
    token or a secret in the query string, so the reason is rebuilt from the
    failure type and the exception is raised without its cause attached.
    """
    try:
        return session.request(method, url, timeout=settings.timeout, allow_redirects=False, **kwargs)
    except requests.exceptions.RequestException as exc:
        reason = f"{service} unreachable: {describe_transport_failure(exc, settings)}"
    raise RetryableChannelError(reason)


def describe_transport_failure(exc: BaseException, settings: HttpSettings) -> str:
    """A short, secret-free description of why an HTTP request failed."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connection not established within {settings.connect_timeout_s:g}s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no response within {settings.read_timeout_s:g}s"
    chain = _exception_chain(exc)
    for item in chain:
        if isinstance(item, ConnectionRefusedError) or getattr(item, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(item, socket.gaierror):
            return "host name could not be resolved"
        if isinstance(item, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(item, ConnectionResetError):
            return "connection reset by peer"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection failed or was closed before a response"
    return f"request failed ({type(exc).__name__})"


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (urllib3 keeps the socket error in ``.reason``)."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 20:
        item = pending.pop(0)
        if any(item is known for known in seen):
            continue
        seen.append(item)
        linked = [item.__cause__, item.__context__, getattr(item, "reason", None)]
        linked += [arg for arg in item.args if isinstance(arg, BaseException)]
        pending.extend(link for link in linked if isinstance(link, BaseException))
    return seen


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from an HTTP ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


def seconds_until_china_time(hour: int, *, now: datetime | None = None) -> float:
    """Seconds until the next ``hour``:00 Beijing time (quota resets, marketing hours)."""
    current = (now or datetime.now(UTC)).astimezone(CHINA_STANDARD_TIME)
    target = current.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= current:
        target += timedelta(days=1)
    return (target - current).total_seconds()
