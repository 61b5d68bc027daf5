"""Claiming ledger rows, guarding their outcomes, and putting failed rows back: the protocol of the package docstring.

A ledger is any model with the columns ``state`` (``DeliveryState``),
``attempts``, ``next_attempt_at``, ``claim_token`` and ``claimed_at``;
``campaigns.Delivery`` and ``feeds.PartnerDelivery`` are the two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Q

from .states import CLAIMABLE_STATES, RETRYABLE_STATES, DeliveryState

__all__ = ["claim", "due", "guarded", "queued", "reset_for_retry", "stale"]


def stale(stale_before: datetime) -> Q:
    """Rows left in ``sending`` by a worker that died: their lease ended before ``stale_before``."""
    return Q(state=DeliveryState.SENDING, claimed_at__lt=stale_before)


def due(now: datetime, stale_before: datetime, worker_id: str = "") -> list[Q]:
    """What a sweep claims, most urgent first: rows this very task claimed in an earlier run of it (its
    worker died: no need to wait for the lease), stale sends, and rows whose next attempt has come."""
    own = [Q(state=DeliveryState.SENDING, claimed_by=worker_id)] if worker_id else []
    return [*own, stale(stale_before), Q(state__in=CLAIMABLE_STATES, next_attempt_at__lte=now)]


def queued(stale_before: datetime) -> list[Q]:
    """What a task queued for one row claims: the row if it still waits, or was left by a dead worker."""
    return [Q(state__in=CLAIMABLE_STATES), stale(stale_before)]


def claim(
    model: type[models.Model],
    conditions: Iterable[Q],
    *,
    limit: int,
    now: datetime,
    scope: Q | None = None,
    stamp: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """Take up to ``limit`` rows matching ``conditions`` (tried in order) for this worker.

    Each row taken is moved to ``sending`` under a fresh claim token, its
    attempt counted, and ``stamp`` written on it. Returns the token and how many
    rows it holds; only those rows are this worker's.
    """
    token = uuid.uuid4().hex
    taken = 0
    for condition in conditions:
        if taken >= limit:
            break
        candidates = model.objects.filter(condition)
        if scope is not None:
            candidates = candidates.filter(scope)
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                ids = list(candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[: limit - taken])
                if not ids:
                    continue
                rows = model.objects.filter(condition, pk__in=ids)
            else:
                rows = model.objects.filter(pk__in=candidates.values("pk")[: limit - taken]).filter(condition)
            taken += rows.update(
                state=DeliveryState.SENDING,
                claim_token=token,
                claimed_at=now,
                attempts=F("attempts") + 1,
                **(stamp or {}),
            )
    return token, taken


def guarded(model: type[models.Model], pk: int, claim_token: str) -> models.QuerySet:
    """The row, only while it is still under ``claim_token``: write its outcome through this."""
    return model.objects.filter(pk=pk, claim_token=claim_token, state=DeliveryState.SENDING)


def reset_for_retry(
    queryset: models.QuerySet, *, now: datetime, states: Iterable[str] = RETRYABLE_STATES, **fields: Any
) -> int:
    """Put failed rows back to ``pending``, due at ``now``, with the same idempotency key; returns how many.

    Rows in other states (sent, skipped for the recipient's sake, superseded) are left alone.
    """
    return queryset.filter(state__in=list(states)).update(
        state=DeliveryState.PENDING, next_attempt_at=now, claim_token="", **fields
    )
