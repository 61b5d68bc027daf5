"""Celery tasks of the studio core: the outbox sweep (beat, every minute; and when a worker starts)."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready


@shared_task(name="cms.core.flush_outbox", ignore_result=True)
def flush_outbox_task() -> str:
    from .outbox import flush_outbox

    sent, waiting = flush_outbox()
    return f"{sent} sent, {waiting} waiting"


@worker_ready.connect(dispatch_uid="cms.core.flush_outbox_on_worker_start")
def _flush_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that starts has just reached the broker: what waited can go now (no beat needed)."""
    from .outbox import flush_outbox

    try:
        flush_outbox()
    except Exception:  # never stop a worker from starting
        import logging

        logging.getLogger(__name__).exception("outbox sweep at worker start failed")
