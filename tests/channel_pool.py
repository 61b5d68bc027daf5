"""Forgetting the channel clients a process pooled, between tests that change channel settings or servers."""

from __future__ import annotations

from distribution.campaigns import channel_pool


def close_configured_channels() -> None:
    """Close every pooled client and empty the pool (the product keeps clients for the life of the process)."""
    with channel_pool._pool_lock:
        for _fingerprint, entry in channel_pool._pool.values():
            entry.channel.close()
        channel_pool._pool.clear()
