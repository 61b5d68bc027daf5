"""Claiming due deliveries and sending them exactly once.

The protocol, which holds for any number of workers on SQLite or PostgreSQL:

1. Rows exist before anything is sent (``pending``), unique per
   (step, patient, channel), so a step can never produce a second message.
2. A worker claims a batch with one conditional ``UPDATE … WHERE state IN
   ('pending', 'retrying')`` that stamps its own ``claim_token``
   (PostgreSQL first picks the ids with ``SELECT … FOR UPDATE SKIP LOCKED`` so
   concurrent workers do not queue behind each other). Only rows it stamped
   are its own; a row is never claimed twice while it is fresh.
3. Each outcome is written with ``WHERE claim_token = <mine>``: a worker that
   lost its claim cannot overwrite the row.
4. A worker killed between the provider's answer and step 3 leaves the row in
   ``sending``. After ``sending_lease_s`` any worker re-claims it and sends it
   again *with the same idempotency key* (the row's ``key``): WeChat drops the
   repeat (client_msg_id), webhook receivers de-duplicate on the header and
   e-mail keeps the same Message-ID. Nobody is skipped, and no receiver that
   honours the key shows the message twice. Tencent SMS does not de-duplicate:
   for SMS the window is the one message in flight when the worker died.

Log lines carry delivery ids and idempotency keys only, never addresses.
"""

from __future__ import annotations

import logging
import random
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from distribution.channels import (
    ChannelConfigurationError,
    ChannelError,
    ContactInactiveError,
    DeliveryOutcome,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    SendResult,
)
from distribution.patients.models import ContactPoint

from .channel_pool import ConfiguredChannel, configured_channel
from .configuration import DistributionSettings, distribution_settings
from .message_content import ContentResolver, ContentUnavailable
from .models import CLAIMABLE_STATES, Campaign, Delivery, DeliveryState, next_allowed_moment

__all__ = ["DeliveryRun", "claim_due_deliveries", "deliver_due", "retry_deliveries"]

logger = logging.getLogger(__name__)

AfterSend = Callable[[Delivery, str], None]


@dataclass
class DeliveryRun:
    """Counts of one ``deliver_due`` call, by the state each attempt ended in."""

    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, state: str) -> None:
        self.outcomes[state] = self.outcomes.get(state, 0) + 1

    def __str__(self) -> str:
        parts = ", ".join(f"{state} {number}" for state, number in sorted(self.outcomes.items()))
        return f"{self.claimed} attempt(s): {parts or 'nothing due'}"


def _due_filter(now: datetime, stale_before: datetime) -> list[Q]:
    return [
        Q(state=DeliveryState.SENDING, claimed_at__lt=stale_before),
        Q(state__in=CLAIMABLE_STATES, next_attempt_at__lte=now),
    ]


def claim_due_deliveries(
    *, limit: int, now: datetime | None = None, stale_before: datetime | None = None, scope: Q | None = None
) -> list[Delivery]:
    """Atomically take up to ``limit`` due rows (and stale ``sending`` rows) for this worker."""
    now = now or timezone.now()
    stale_before = stale_before or now - timedelta(seconds=distribution_settings().sending_lease_s)
    token = uuid.uuid4().hex
    taken = 0
    for due in _due_filter(now, stale_before):
        if taken >= limit:
            break
        candidates = Delivery.objects.filter(due)
        if scope is not None:
            candidates = candidates.filter(scope)
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                ids = list(candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[: limit - taken])
                if not ids:
                    continue
                claim = Delivery.objects.filter(due, pk__in=ids)
            else:
                claim = Delivery.objects.filter(pk__in=candidates.values("pk")[: limit - taken]).filter(due)
            taken += claim.update(
                state=DeliveryState.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
            )
    if not taken:
        return []
    return list(
        Delivery.objects.filter(claim_token=token, state=DeliveryState.SENDING)
        .select_related("contact", "patient", "campaign", "step__plan")
        .order_by("pk")
    )


def deliver_due(
    *,
    scope: Q | None = None,
    max_batches: int | None = None,
    stale_before: datetime | None = None,
    after_send: AfterSend | None = None,
    config: DistributionSettings | None = None,
) -> DeliveryRun:
    """Claim and send due deliveries batch after batch until none are due (or ``max_batches``).

    ``after_send(delivery, outcome)`` observes each provider answer before it
    is recorded (progress output); if it raises, the run stops there like a
    crashed worker would, and the ledger's recovery takes over.
    """
    config = config or distribution_settings()
    run = DeliveryRun()
    batches = 0
    touched_campaigns: set[int] = set()
    while max_batches is None or batches < max_batches:
        batch = claim_due_deliveries(limit=config.batch_size, stale_before=stale_before, scope=scope)
        if not batch:
            break
        batches += 1
        run.claimed += len(batch)
        send_batch(batch, config=config, run=run, after_send=after_send)
        touched_campaigns.update(d.campaign_id for d in batch if d.campaign_id)
    for campaign_id in touched_campaigns:
        complete_campaign_if_done(campaign_id)
    return run


def send_batch(batch: list[Delivery], *, config: DistributionSettings, run: DeliveryRun,
               after_send: AfterSend | None = None) -> None:
    """Send a claimed batch: ``config.send_threads`` messages in flight, outcomes recorded one by one.

    Threads only talk to the provider; this thread does every database write,
    in completion order, each in its own transaction, so a crash leaves at most
    ``send_threads`` accepted-but-unrecorded rows (recovered under their keys).
    """
    resolver = ContentResolver()
    paused_channels: dict[str, str] = {}
    pending: dict[Future, Delivery] = {}
    executor = ThreadPoolExecutor(max_workers=config.send_threads, thread_name_prefix="kepu-send")
    try:
        for delivery in batch:
            prepared = _prepare(delivery, resolver, config, run, paused_channels)
            if prepared is None:
                continue
            while len(pending) >= config.send_threads:
                _collect(pending, wait(pending, return_when=FIRST_COMPLETED).done, config, run, after_send,
                         paused_channels)
            target, message = prepared
            pending[executor.submit(_send_one, target, message)] = delivery
        while pending:
            _collect(pending, wait(pending, return_when=FIRST_COMPLETED).done, config, run, after_send,
                     paused_channels)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _prepare(delivery: Delivery, resolver: ContentResolver, config: DistributionSettings, run: DeliveryRun,
             paused_channels: dict[str, str]):
    if delivery.channel in paused_channels:
        _record_paused(delivery, run, config, paused_channels[delivery.channel])
        return None
    skip = delivery.contact.skip_reason() if delivery.contact else "contact removed"
    if skip:
        _record(delivery, run, DeliveryState.SKIPPED, reason=skip)
        return None
    try:
        content = resolver.content_for(delivery)
        target = configured_channel(delivery.channel, config)
        return target, _message(delivery, content, target.endpoint)
    except ContentUnavailable as exc:
        _record(delivery, run, DeliveryState.DEAD, reason=str(exc))
    except ChannelConfigurationError as exc:
        paused_channels[delivery.channel] = f"channel configuration: {exc.reason}"[:300]
        logger.error("delivery %s: %s channel misconfigured: %s", delivery.pk, delivery.channel, exc.reason)
        _record_paused(delivery, run, config, paused_channels[delivery.channel])
    except ValueError as exc:  # OutgoingMessage refused the content (e.g. an empty title)
        _record(delivery, run, DeliveryState.DEAD, reason=f"message rejected before sending: {exc}"[:300])
    return None


def _send_one(target: ConfiguredChannel, message: OutgoingMessage) -> SendResult:
    if target.limiter is not None:
        target.limiter.acquire()
    return target.channel.send(message)


def _collect(pending: dict[Future, Delivery], done, config: DistributionSettings, run: DeliveryRun,
             after_send: AfterSend | None, paused_channels: dict[str, str]) -> None:
    for future in done:
        delivery = pending.pop(future)
        error = future.exception()
        if after_send:
            after_send(delivery, error.outcome if isinstance(error, ChannelError) else
                       (future.result().outcome if error is None else DeliveryOutcome.RETRYABLE_FAILURE))
        if error is None:
            result = future.result()
            state = DeliveryState.DELIVERED if result.outcome == DeliveryOutcome.DELIVERED else DeliveryState.SENT
            _record(delivery, run, state, reason="", provider_message_id=result.provider_message_id[:200],
                    sent_at=timezone.now())
        elif isinstance(error, RetryableChannelError):
            _record_retry(delivery, run, config, error)
        elif isinstance(error, ChannelConfigurationError):
            paused_channels[delivery.channel] = f"channel configuration: {error.reason}"[:300]
            logger.error("delivery %s: %s channel misconfigured: %s", delivery.pk, delivery.channel, error.reason)
            _record_paused(delivery, run, config, paused_channels[delivery.channel])
        elif isinstance(error, ContactInactiveError):
            ContactPoint.objects.filter(pk=delivery.contact_id, inactive_at__isnull=True).update(
                inactive_at=timezone.now(), inactive_reason=error.reason[:200]
            )
            _record(delivery, run, DeliveryState.DEAD, reason=f"contact inactive: {error.reason}"[:300])
        elif isinstance(error, PermanentChannelError):
            _record(delivery, run, DeliveryState.DEAD, reason=error.reason[:300])
        else:
            raise error  # a bug, not a provider answer: stop like a crashed worker; the lease recovers the rows


def _record_paused(delivery: Delivery, run: DeliveryRun, config: DistributionSettings, reason: str) -> None:
    """Put the row back without counting the attempt: our configuration, not the message, is at fault."""
    _record(delivery, run, DeliveryState.RETRYING, reason=reason,
            next_attempt_at=timezone.now() + timedelta(seconds=config.configuration_error_pause_s),
            attempts=delivery.attempts - 1)


def _message(delivery: Delivery, content, endpoint: str) -> OutgoingMessage:
    extra = {}
    address = delivery.contact.address
    if delivery.channel == "webhook":
        extra = {"patient_ref": address}
        address = endpoint
    return OutgoingMessage(
        idempotency_key=delivery.idempotency_key,
        address=address,
        title=content.title,
        url=content.url,
        language=content.language,
        summary=content.summary,
        unsubscribe_url=delivery.contact.unsubscribe_url(),
        extra=extra,
    )


def _quiet_hours_for(delivery: Delivery):
    if delivery.campaign_id:
        return delivery.campaign.quiet_hours
    if delivery.step_id and delivery.step.respect_quiet_hours:
        return delivery.step.plan.quiet_hours
    return None


def _record_retry(delivery: Delivery, run: DeliveryRun, config: DistributionSettings, exc: RetryableChannelError) -> None:
    if delivery.attempts >= config.max_attempts:
        _record(delivery, run, DeliveryState.DEAD,
                reason=f"gave up after {delivery.attempts} attempts: {exc}"[:300])
        return
    delay = config.backoff_s(delivery.attempts) * random.uniform(1.0, 1.25)  # jitter spreads retries out
    if exc.retry_after is not None:
        delay = max(delay, exc.retry_after)
    moment = next_allowed_moment(timezone.now() + timedelta(seconds=delay), delivery.patient.zone,
                                 _quiet_hours_for(delivery))
    _record(delivery, run, DeliveryState.RETRYING, reason=str(exc)[:300], next_attempt_at=moment)


def _record(delivery: Delivery, run: DeliveryRun, state: str, **values) -> None:
    updated = Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token,
                                      state=DeliveryState.SENDING).update(state=state, updated_at=timezone.now(), **values)
    if updated:
        run.count(state)
        if state in (DeliveryState.DEAD, DeliveryState.RETRYING):
            logger.warning("delivery %s key=%s %s: %s", delivery.pk, delivery.idempotency_key, state,
                           values.get("reason", ""))
    else:
        logger.warning("delivery %s was re-claimed by another worker; outcome %s not recorded", delivery.pk, state)


def complete_campaign_if_done(campaign_id: int) -> None:
    open_states = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)
    if not Delivery.objects.filter(campaign_id=campaign_id, state__in=open_states).exists():
        Campaign.objects.filter(pk=campaign_id, state=Campaign.SENDING).update(
            state=Campaign.COMPLETED, completed_at=timezone.now()
        )


def retry_deliveries(queryset, *, now: datetime | None = None) -> int:
    """Give failed or dead deliveries (and stale sends) a fresh set of attempts, due now.

    Skipped rows are left alone: they were skipped for the patient's sake
    (unsubscribed, no consent). The idempotency key stays the same.
    """
    now = now or timezone.now()
    return queryset.filter(state__in=(DeliveryState.RETRYING, DeliveryState.DEAD)).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, claim_token="", reason="", updated_at=now
    )
