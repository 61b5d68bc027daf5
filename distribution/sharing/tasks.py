"""Celery tasks of shared links: a thin wrapper around the read-count flush.

Beat schedule (settings.CELERY_BEAT_SCHEDULE)::

    "sharing-flush-read-counts": {"task": "distribution.sharing.tasks.flush_read_counts", "schedule": FLUSH_SECONDS},
"""

from __future__ import annotations

from celery import shared_task

from .analytics import flush_pending_counts


@shared_task(name="distribution.sharing.tasks.flush_read_counts", ignore_result=True)
def flush_read_counts() -> int:
    return flush_pending_counts()
