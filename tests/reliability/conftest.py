"""Fixtures of the reliability suite: a broker that does not answer."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


def _reset_broker_connections(app) -> None:
    """Forget the app's pools so the next send uses ``app.conf.broker_url`` (kombu keeps one pool per URL)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down() -> Iterator[str]:
    """Tasks really go to a broker (not run in-process), and the broker's port refuses connections."""
    from kepu.celery import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _reset_broker_connections(app)
    try:
        yield url
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_broker_connections(app)


@pytest.fixture
def broker_back():
    """Call to bring the broker back: tasks run in-process again, as the test settings have it."""
    from kepu.celery import app

    def bring_back() -> None:
        app.conf.task_always_eager = True

    return bring_back
