"""Waiting for work done by other processes, with deadlines that scale with the machine.

A fixed "60 s" fails on a loaded machine and hides a hang on a fast one. Here
a wait fails only when the work stops *moving*: ``progress()`` (any comparable
value, e.g. ledger counts) has not changed for ``idle_s`` times the machine's
slowness, measured once per run against a fixed piece of CPU work.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

_REFERENCE_S = 0.05  # the calibration loop on an idle 2-core CI machine


@functools.cache
def slowness() -> float:
    """How much slower than the reference this machine is right now (at least 1)."""
    started = time.perf_counter()
    total = 0
    for number in range(400_000):
        total += number * number % 7
    return max(1.0, (time.perf_counter() - started) / _REFERENCE_S)


def wait_until(
    done: Callable[[], bool],
    *,
    progress: Callable[[], Any],
    idle_s: float = 30.0,
    alive: Callable[[], None] | None = None,
    what: str = "the work",
    cap_s: float | None = None,
    poll_s: float = 0.2,
) -> float:
    """Wait until ``done()``; fail if ``progress()`` stays the same for ``idle_s`` × :func:`slowness`.

    ``alive()`` may raise (e.g. a subprocess died). ``cap_s`` bounds the whole wait (a protocol
    limit such as a lease, not a guess at the machine's speed). Returns the seconds waited.
    """
    started = last_change = time.monotonic()
    last = progress()
    idle_limit = idle_s * slowness()
    while not done():
        if alive is not None:
            alive()
        now = time.monotonic()
        current = progress()
        if current != last:
            last, last_change = current, now
        if now - last_change > idle_limit:
            raise AssertionError(f"{what} made no progress for {idle_limit:.0f} s (last state: {last!r})")
        if cap_s is not None and now - started > cap_s:
            raise AssertionError(f"{what} did not finish within {cap_s:.0f} s (last state: {last!r})")
        time.sleep(poll_s)
    return time.monotonic() - started
