"""Celery tasks of joining: thin wrappers around the delivery ledger."""

from __future__ import annotations

from celery import shared_task
from django.db.models import Q

from distribution.campaigns.delivery_ledger import deliver_due


@shared_task(name="distribution.joining.tasks.send_welcome", ignore_result=True)
def send_welcome(delivery_id: int) -> str:
    """Send one welcome message now (the beat's deliver_due picks it up too if this task is lost)."""
    return str(deliver_due(scope=Q(pk=delivery_id), max_batches=1))
