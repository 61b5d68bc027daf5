"""Celery tasks for partner pushes and WebSub pings; each wraps one plain function.

Schedule ``distribution.feeds.tasks.send_due_partner_deliveries`` every minute
with Celery beat: it re-queues the deliveries whose backoff has elapsed.
"""

from __future__ import annotations

from celery import shared_task

from cms.core.outbox import enqueue
from distribution.channels.errors import RetryableChannelError

from . import partners, websub

WEBSUB_MAX_RETRIES = 6


@shared_task(name="feeds.deliver_partner_event", ignore_result=True)
def deliver_partner_event(delivery_id: int) -> str:
    """One attempt at one partner delivery; failures are recorded on the row, never raised."""
    delivery = partners.send_delivery(delivery_id)
    return delivery.state if delivery else "skipped"


@shared_task(name="feeds.send_due_partner_deliveries", ignore_result=True)
def send_due_partner_deliveries() -> int:
    """Queue every delivery whose next attempt has come, each as its own task."""
    ids = partners.due_delivery_ids()
    for delivery_id in ids:
        enqueue(deliver_partner_event, delivery_id)
    return len(ids)


@shared_task(
    name="feeds.ping_websub_hub",
    ignore_result=True,
    autoretry_for=(RetryableChannelError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=WEBSUB_MAX_RETRIES,
)
def ping_websub_hub(hub: str, topic: str) -> int:
    """Tell the hub that one feed changed; retried with backoff while the hub is unreachable."""
    return websub.ping_hub(hub, topic)
