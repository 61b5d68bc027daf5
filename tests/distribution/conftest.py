"""Local fake provider servers for the channel tests (real sockets on 127.0.0.1)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.builders import WEBHOOK_SECRET
from tests.fakes.sms_server import FakeSmsServer
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.webhook_sink import WebhookSink
from tests.fakes.wechat_server import FakeWeChatServer


@pytest.fixture
def wechat_server() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer() as server:
        yield server


@pytest.fixture
def sms_server() -> Iterator[FakeSmsServer]:
    with FakeSmsServer() as server:
        yield server


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    with WebhookSink(WEBHOOK_SECRET) as sink:
        yield sink


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer() as server:
        yield server


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
