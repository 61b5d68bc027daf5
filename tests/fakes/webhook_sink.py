"""A local webhook receiver that checks Kepu's HMAC signature, for tests and benchmarks.

It listens on 127.0.0.1 (ephemeral port by default), verifies
``X-Kepu-Signature`` over ``f"{timestamp}.{body}"`` with the shared secret
(401 when it does not match), and answers 200 — or, for a configurable
fraction of requests, an error status. The failure decision is a hash of
(seed, idempotency key, attempt number of that key), so a run is reproducible
whatever order concurrent requests arrive in, and a retry gets a fresh draw.

The handler writes raw HTTP/1.1 with keep-alive and keeps no per-request
objects unless ``record_bodies`` is on, so it sustains thousands of requests
per second. Run it stand-alone (in its own process, away from the client's
GIL) for benchmarks::

    python -m tests.fakes.webhook_sink --port 8099 --secret s3cret-s3cret-s3cret --failure-rate 0.05
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .local_http import KeepAliveHandler, LocalHttpFake

__all__ = ["WebhookSink", "ReceivedWebhook"]

_REASONS = {
    200: "OK",
    401: "Unauthorized",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    status: int  # what the sink answered

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Scripted:
    status: int
    retry_after: int | None = None


class _Handler(KeepAliveHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        status, retry_after = self.server.fake._handle(self.path, self.headers, self.read_body())
        extra = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
        payload = b"ok" if status == 200 else b"error"
        self.wfile.write(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(payload)}\r\n{extra}\r\n".encode("ascii")
            + payload
        )


@dataclass
class WebhookSink(LocalHttpFake):
    """Signature-checking webhook receiver; use as a context manager or start()/stop()."""

    handler_class: ClassVar[type[KeepAliveHandler]] = _Handler
    listen_backlog: ClassVar[int] = 1024  # benchmarks open many connections at once

    secret: str
    failure_rate: float = 0.0
    failure_status: int = 500
    # When set, an injected failure answers one of these (drawn from the same hash), e.g. (429, 500).
    failure_statuses: tuple[int, ...] = ()
    seed: int = 0
    tolerance_s: float = 300.0
    record_bodies: bool = True
    host: str = "127.0.0.1"
    port: int = 0
    received: list[ReceivedWebhook] = field(default_factory=list, init=False)
    stats: Counter = field(default_factory=Counter, init=False)  # requests, accepted, bad_signature, injected_failure
    attempts_by_key: Counter = field(default_factory=Counter, init=False)
    accepted_keys: Counter = field(default_factory=Counter, init=False)  # 200 answers per idempotency key

    def __post_init__(self) -> None:
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError("failure_rate must be between 0 and 1")
        self._lock = threading.Lock()
        self._scripted: dict[str, list[_Scripted]] = {}

    def url(self, path: str = "/hook") -> str:
        return f"{self.base_url}{path}"

    # --- switches ------------------------------------------------------------------

    def answer_next(self, status: int, *, times: int = 1, path: str = "/hook", retry_after: int | None = None) -> None:
        """The next ``times`` validly signed requests to ``path`` get ``status``."""
        with self._lock:
            self._scripted.setdefault(path, []).extend(_Scripted(status, retry_after) for _ in range(times))

    # --- request handling ------------------------------------------------------------

    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, int | None]:
        timestamp = headers.get("X-Kepu-Timestamp", "")
        signature = headers.get("X-Kepu-Signature", "")
        key = headers.get("X-Kepu-Idempotency-Key", "")
        valid = self._signature_valid(timestamp, body, signature)
        retry_after = None
        with self._lock:
            self.stats["requests"] += 1
            if not valid:
                status = 401
                self.stats["bad_signature"] += 1
            else:
                self.attempts_by_key[key] += 1
                queue = self._scripted.get(path)
                if queue:
                    scripted = queue.pop(0)
                    status, retry_after = scripted.status, scripted.retry_after
                    self.stats["scripted"] += 1
                elif self._draws_failure(key, self.attempts_by_key[key]):
                    status = self._failure_status(key, self.attempts_by_key[key])
                    self.stats["injected_failure"] += 1
                    self.stats[f"injected_{status}"] += 1
                else:
                    status = 200
                if status == 200:
                    self.stats["accepted"] += 1
                    self.accepted_keys[key] += 1
            if self.record_bodies:
                self.received.append(ReceivedWebhook(path, dict(headers.items()), body, valid, status))
        return status, retry_after

    def _signature_valid(self, timestamp: str, body: bytes, signature: str) -> bool:
        # Deliberately independent of distribution.channels.webhook: this is the receiver's view.
        try:
            sent_at = int(timestamp)
        except ValueError:
            return False
        if abs(time.time() - sent_at) > self.tolerance_s:
            return False
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def _draws_failure(self, key: str, attempt: int) -> bool:
        if self.failure_rate <= 0.0:
            return False
        digest = hashlib.sha256(f"{self.seed}:{key}:{attempt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.failure_rate

    def _failure_status(self, key: str, attempt: int) -> int:
        if not self.failure_statuses:
            return self.failure_status
        digest = hashlib.sha256(f"{self.seed}:{key}:{attempt}:status".encode()).digest()
        return self.failure_statuses[digest[0] % len(self.failure_statuses)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Kepu webhook sink until interrupted.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--failure-rate", type=float, default=0.0)
    parser.add_argument("--failure-status", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sink = WebhookSink(
        args.secret,
        failure_rate=args.failure_rate,
        failure_status=args.failure_status,
        seed=args.seed,
        record_bodies=False,
        host=args.host,
        port=args.port,
    ).start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT is ignored in background jobs
        signal.signal(signum, lambda *_: stop.set())
    print(f"webhook sink listening on {sink.url('/')}", flush=True)
    stop.wait()
    sink.stop()
    print(json.dumps(dict(sink.stats)), flush=True)


if __name__ == "__main__":
    main()
