"""Waiting for a condition in the page without ``eval``.

Playwright's ``wait_for_function`` compiles its predicate inside the page with ``new Function``,
which the studio's Content-Security-Policy refuses (no ``'unsafe-eval'``, on public pages and in
the admin). ``page.evaluate`` goes through the DevTools protocol, which the policy does not govern,
so predicates are polled with it; the deadline scales with the machine (``tests.deadlines``).
"""

from __future__ import annotations

import time
from typing import Any

from tests.deadlines import slowness


def wait_for_js(page, predicate: str, arg: Any = None, *, timeout_s: float = 10.0, poll_ms: int = 100) -> None:
    """Poll ``predicate`` (an expression, or a function of ``arg``) until it is truthy."""
    deadline = time.monotonic() + timeout_s * slowness()
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s * slowness():.0f} s: {predicate}")
        page.wait_for_timeout(poll_ms)
