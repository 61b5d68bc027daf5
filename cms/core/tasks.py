"""Celery tasks of the studio core: the outbox sweep (beat, every minute; and when a worker starts)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from .outbox import flush_outbox

logger = logging.getLogger(__name__)


@shared_task(name="cms.core.flush_outbox", ignore_result=True)
def flush_outbox_task() -> str:
    sent, waiting = flush_outbox()
    return f"{sent} sent, {waiting} waiting"


@worker_ready.connect(dispatch_uid="cms.core.flush_outbox_on_worker_start")
def _flush_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that starts has just reached the broker: what waited can go now (no beat needed)."""
    try:
        flush_outbox()
    except Exception:  # never stop a worker from starting
        logger.exception("outbox sweep at worker start failed")
