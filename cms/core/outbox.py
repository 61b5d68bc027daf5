"""Queuing Celery tasks without ever failing the request that queues them.

With the broker down, ``task.delay()`` raises ``kombu.exceptions.OperationalError``
(after kombu's retries, seconds later). Every path that queues work — saving a
draft, submitting, publishing, sending a campaign, importing patients — goes
through :func:`enqueue` instead: it tries the broker once, quickly, and when
that fails keeps the task in the ``PendingTask`` table (committed with the
caller's transaction, so the work and the intention to do it cannot part),
logs it, and returns ``False`` so the caller can tell the person. The sweep,
:func:`flush_outbox`, sends what waits; Celery beat runs it every minute, every
worker runs it when it starts, and operators can run ``manage.py flush_outbox``.

Tasks keep their id across the wait: render jobs find their worker by it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import PendingTask

logger = logging.getLogger(__name__)

__all__ = ["enqueue", "enqueue_on_commit", "flush_outbox", "BROKER_DOWN_MESSAGE"]

#: what a person is told when their action's follow-up work waits for the broker
BROKER_DOWN_MESSAGE = _(
    "Saved. The background service is not reachable right now; the follow-up work "
    "(checks, media, sending) has been noted and will start by itself once it is back."
)

_RETRY_BACKOFF_MAX_S = 300


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    return (OperationalError, ConnectionError, OSError, TimeoutError)


def _send(task: Any, args: list, kwargs: dict, task_id: str | None) -> None:
    # retry=False: one quick attempt (the transport's own connect retries are bounded in settings);
    # waiting here would hold a web request, and the outbox is the retry.
    task.apply_async(args, kwargs, task_id=task_id or None, retry=False)


def enqueue(task: Any, *args: Any, task_id: str | None = None, **kwargs: Any) -> bool:
    """Send ``task(*args, **kwargs)`` to the broker; if it is unreachable, keep it for the sweep.

    Returns True when the broker took it, False when it waits in the outbox.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(args, kwargs, task_id=task_id)
        return True
    try:
        _send(task, list(args), kwargs, task_id)
        return True
    except _broker_errors() as exc:
        pending = _keep(task.name, list(args), kwargs, task_id, exc)
        logger.warning(
            "broker unreachable (%s); task %s kept in the outbox as #%s until it is back",
            type(exc).__name__,
            task.name,
            pending.pk,
        )
        return False


def _keep(name: str, args: list, kwargs: dict, task_id: str | None, exc: BaseException):
    return PendingTask.objects.create(
        task_name=name,
        args=args,
        kwargs=kwargs,
        task_id=task_id or "",
        attempts=1,
        last_error=f"{type(exc).__name__}: {exc}"[:300],
    )


def enqueue_on_commit(task: Any, *args: Any, on_deferred=None, **kwargs: Any) -> None:
    """:func:`enqueue` once the current transaction commits (so the worker sees what it was queued for).

    ``on_deferred()`` is called when the task had to wait in the outbox (to tell the person).
    """

    def send() -> None:
        if not enqueue(task, *args, **kwargs) and on_deferred is not None:
            on_deferred()

    transaction.on_commit(send)


def flush_outbox(*, limit: int = 500) -> tuple[int, int]:
    """Send the tasks waiting for the broker; returns (sent, still waiting).

    Stops at the first failure: the broker is still down, and trying the
    rest now would only take longer. Each row is taken under a row lock
    (PostgreSQL) so two sweeps never send the same task twice.
    """
    from celery import current_app

    sent = 0
    now = timezone.now()
    due = PendingTask.objects.filter(next_attempt_at__lte=now).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            rows = PendingTask.objects.filter(pk=pk)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            pending = rows.first()
            if pending is None:
                continue  # another sweep has it
            task = current_app.tasks.get(pending.task_name)
            if task is None:
                logger.error("outbox #%s names unknown task %s; dropped", pending.pk, pending.task_name)
                pending.delete()
                continue
            try:
                _send(task, pending.args, pending.kwargs, pending.task_id)
            except _broker_errors() as exc:
                delay = min(_RETRY_BACKOFF_MAX_S, 15 * 2 ** min(pending.attempts, 5))
                PendingTask.objects.filter(pk=pending.pk).update(
                    attempts=pending.attempts + 1,
                    last_error=f"{type(exc).__name__}: {exc}"[:300],
                    next_attempt_at=timezone.now() + timedelta(seconds=delay),
                )
                break
            pending.delete()
            sent += 1
    waiting = PendingTask.objects.count()
    if sent or waiting:
        logger.info("outbox: %s task(s) sent, %s waiting for the broker", sent, waiting)
    return sent, waiting


def broker_is_reachable(timeout_s: float = 2.0) -> bool:
    """Whether the broker accepts a connection now (for the admin's status line and the sweep)."""
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout_s)
        return True
    except _broker_errors():
        return False
