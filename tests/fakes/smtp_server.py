"""A local SMTP server (aiosmtpd) that collects messages, with rejection switches.

Listens on 127.0.0.1 with an ephemeral port. ``rejected`` addresses get
``550 5.1.1`` at RCPT, ``defer_next()`` makes the next RCPT answer
``451 4.7.1`` (greylisting), and every accepted message is parsed into an
``email.message.EmailMessage`` in ``messages``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["FakeSmtpServer", "ReceivedEmail"]


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes


class _EphemeralPortController(Controller):
    """aiosmtpd's Controller, able to bind port 0 (it connects to itself on start)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class FakeSmtpServer:
    host: str = "127.0.0.1"
    messages: list[ReceivedEmail] = field(default_factory=list, init=False)
    rejected: set[str] = field(default_factory=set, init=False)
    connections: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._deferrals = 0
        self._controller: _EphemeralPortController | None = None
        self.port = 0

    def start(self) -> FakeSmtpServer:
        self._controller = _EphemeralPortController(self, hostname=self.host, port=0)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> FakeSmtpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def defer_next(self, times: int = 1) -> None:
        with self._lock:
            self._deferrals += times

    # --- aiosmtpd handler hooks ---------------------------------------------------------

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:  # noqa: N802
        session.host_name = hostname
        with self._lock:
            self.connections += 1
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        with self._lock:
            if self._deferrals:
                self._deferrals -= 1
                return "451 4.7.1 Greylisted, try again later"
        if address.lower() in self.rejected:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        parsed = message_from_bytes(raw, policy=policy.default)
        with self._lock:
            self.messages.append(ReceivedEmail(envelope.mail_from, tuple(envelope.rcpt_tos), parsed, raw))
        return "250 Message accepted for delivery"
