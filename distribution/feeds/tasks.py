"""Celery tasks for partner pushes and WebSub pings; each wraps one plain function.

Schedule ``distribution.feeds.tasks.send_due_partner_deliveries`` every minute
with Celery beat: it re-queues the deliveries whose backoff has elapsed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task

from cms.core.outbox import enqueue, enqueue_on_commit
from distribution.channels.errors import RetryableChannelError
from distribution.delivery.policy import retry_policy

from . import partners, websub

logger = logging.getLogger(__name__)


def queue_partner_deliveries(delivery_ids: Iterable[int]) -> None:
    """Queue one attempt at each delivery once the transaction that wrote (or reset) it commits."""
    for delivery_id in delivery_ids:
        enqueue_on_commit(deliver_partner_event, delivery_id)


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


@shared_task(bind=True, name="feeds.ping_websub_hub", ignore_result=True, max_retries=None)
def ping_websub_hub(self, hub: str, topic: str) -> int:
    """Tell the hub that one feed changed; retried by the delivery policy while the hub is unreachable.

    A ping has no ledger row: it carries no content, and a repeated one only makes the hub
    fetch the feed again, so Celery's own retry holds the attempt count.
    """
    try:
        return websub.ping_hub(hub, topic)
    except RetryableChannelError as exc:
        attempts = self.request.retries + 1
        delay = retry_policy().retry_delay_s(attempts, exc.retry_after)
        if delay is None:
            logger.warning("websub ping %s given up after %d attempts: %s", topic, attempts, exc)
            raise
        logger.info("websub ping %s failed (attempt %d), retry in %.0f s: %s", topic, attempts, delay, exc)
        raise self.retry(exc=exc, countdown=delay) from exc
