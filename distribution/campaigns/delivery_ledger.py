"""Sending campaign and follow-up messages exactly once, on the delivery engine (``distribution.delivery``).

Rows are written by the fan-out before anything is sent, unique per (step,
patient, channel); they are claimed, leased and re-claimed by the engine's
protocol (see ``distribution.delivery``). A row re-sent after its worker died
carries *the same idempotency key* (the row's ``key``): WeChat drops the repeat
(client_msg_id), webhook receivers de-duplicate on the header and e-mail keeps
the same Message-ID. Nobody is skipped, and no receiver that honours the key
shows the message twice. Tencent SMS does not de-duplicate: for SMS the window
is the one message in flight when the worker died.

How outcomes are committed (the per-channel policy, see ``RECEIVER_DEDUPLICATES``):
the thread that records outcomes takes every provider answer that has
arrived so far and writes them together. Answers on channels whose receiver
drops a repeated idempotency key (webhook, WeChat, e-mail) share one
transaction; each SMS answer gets its own commit, because Tencent SMS would
deliver a re-send to the phone a second time. New messages are handed to the
sending threads only after the answers in hand are committed, so whatever the
channel a crash leaves at most ``send_threads`` accepted-but-unrecorded rows
— the same window as committing one message at a time — while the number of
commits drops whenever the database is slower than the provider (the answers
queue up during a commit and go into the next one together).

Log lines carry delivery ids and idempotency keys only, never addresses.
"""

from __future__ import annotations

import logging
import queue
import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page, Site

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
from distribution.delivery import ledger
from distribution.delivery.states import DeliveryState
from distribution.patients.models import ContactPoint

from .channel_pool import ConfiguredChannel, configured_channel
from .configuration import DistributionSettings, distribution_settings
from .message_content import ContentResolver, ContentUnavailable
from .models import CONTACT_SKIP_RULES, Campaign, Delivery, contact_skip_reason, next_allowed_moment

__all__ = [
    "ClaimedDelivery",
    "DeliveryRun",
    "RECEIVER_DEDUPLICATES",
    "claim_due_deliveries",
    "deliver_due",
    "retry_deliveries",
]

logger = logging.getLogger(__name__)

# Channels whose receivers drop a second message carrying the same idempotency key (WeChat client_msg_id,
# the webhook header, the e-mail Message-ID): their outcomes may share a commit. SMS is not among them.
RECEIVER_DEDUPLICATES = frozenset({"webhook", "wechat", "email"})

CONTACT_REMOVED = "contact removed"


@dataclass(slots=True)
class ClaimedDelivery:
    """A claimed ledger row with exactly what sending it needs, loaded for a whole batch in one query."""

    pk: int
    key: uuid.UUID
    claim_token: str
    attempts: int  # including the attempt being made
    channel: str
    language: str
    article_id: int | None
    campaign_id: int | None
    step_id: int | None
    contact_id: int | None
    address: str
    unsubscribe_token: str
    skip_reason: str  # '' when the contact may be messaged now
    time_zone: str
    step_key: str = ""

    @property
    def idempotency_key(self) -> str:
        return self.key.hex


AfterSend = Callable[[ClaimedDelivery, str], None]

_CLAIMED_COLUMNS = (
    "pk",
    "key",
    "claim_token",
    "attempts",
    "channel",
    "language",
    "article_id",
    "campaign_id",
    "step_id",
    "contact_id",
    "contact__address",
    "contact__unsubscribe_token",
    "patient__time_zone",
    "step_key",
)
_CONTACT_RULE_COLUMNS = tuple(f"contact__{name}" for name, _when_null, _reason in CONTACT_SKIP_RULES)


def _claimed_rows(token: str) -> list[ClaimedDelivery]:
    rows = (
        Delivery.objects.filter(claim_token=token, state=DeliveryState.SENDING)
        .order_by("pk")
        .values_list(*_CLAIMED_COLUMNS, *_CONTACT_RULE_COLUMNS)
    )
    rule_names = [name for name, _when_null, _reason in CONTACT_SKIP_RULES]
    claimed = []
    for row in rows:
        (
            pk,
            key,
            claim_token,
            attempts,
            channel,
            language,
            article_id,
            campaign_id,
            step_id,
            contact_id,
            address,
            unsubscribe_token,
            time_zone,
            step_key,
        ) = row[: len(_CLAIMED_COLUMNS)]
        if contact_id is None:
            skip = CONTACT_REMOVED
        else:
            skip = contact_skip_reason(dict(zip(rule_names, row[len(_CLAIMED_COLUMNS) :], strict=True)))
        claimed.append(
            ClaimedDelivery(
                pk,
                key,
                claim_token,
                attempts,
                channel,
                language,
                article_id,
                campaign_id,
                step_id,
                contact_id,
                address or "",
                unsubscribe_token or "",
                skip,
                time_zone,
                step_key,
            )
        )
    return claimed


@dataclass
class DeliveryRun:
    """Counts of one ``deliver_due`` call, by the state each attempt ended in."""

    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    out_of_time: bool = False  # stopped by the time budget with work possibly left

    def count(self, state: str, number: int = 1) -> None:
        self.outcomes[state] = self.outcomes.get(state, 0) + number

    def __str__(self) -> str:
        parts = ", ".join(f"{state} {number}" for state, number in sorted(self.outcomes.items()))
        return f"{self.claimed} attempt(s): {parts or 'nothing due'}"


def claim_due_deliveries(
    *,
    limit: int,
    now: datetime | None = None,
    stale_before: datetime | None = None,
    scope: Q | None = None,
    worker_id: str = "",
) -> list[ClaimedDelivery]:
    """Atomically take up to ``limit`` due rows (and stale ``sending`` rows) for this worker.

    ``worker_id`` (the Celery task id) is stamped on the rows; rows still stamped with it from a
    previous run of the same task are taken back first.
    """
    now = now or timezone.now()
    stale_before = stale_before or now - timedelta(seconds=distribution_settings().retry.lease_s)
    token, taken = ledger.claim(
        Delivery,
        ledger.due(now, stale_before, worker_id),
        limit=limit,
        now=now,
        scope=scope,
        stamp={"claimed_by": worker_id, "updated_at": now},
    )
    if not taken:
        return []
    return _claimed_rows(token)


def deliver_due(
    *,
    scope: Q | None = None,
    max_batches: int | None = None,
    stale_before: datetime | None = None,
    after_send: AfterSend | None = None,
    config: DistributionSettings | None = None,
    worker_id: str = "",
    time_budget_s: float | None = None,
) -> DeliveryRun:
    """Claim and send due deliveries batch after batch until none are due (or ``max_batches``).

    ``time_budget_s``: start no new batch after this long (a Celery task must finish well within
    the broker's visibility timeout, or the broker would hand its message to a second worker).

    ``after_send(delivery, outcome)`` observes each provider answer before it
    is recorded (progress output); if it raises, the run stops there like a
    crashed worker would (answers already taken in are still written), and the
    ledger's recovery takes over.
    """
    config = config or distribution_settings()
    run = DeliveryRun()
    batches = 0
    touched_campaigns: set[int] = set()
    started = monotonic()
    while max_batches is None or batches < max_batches:
        if time_budget_s is not None and batches and monotonic() - started > time_budget_s:
            run.out_of_time = True
            break
        batch = claim_due_deliveries(
            limit=config.batch_size, stale_before=stale_before, scope=scope, worker_id=worker_id
        )
        if not batch:
            break
        batches += 1
        run.claimed += len(batch)
        send_batch(batch, config=config, run=run, after_send=after_send)
        touched_campaigns.update(d.campaign_id for d in batch if d.campaign_id)
    for campaign_id in touched_campaigns:
        complete_campaign_if_done(campaign_id)
    return run


@dataclass(frozen=True, slots=True)
class _Outcome:
    delivery: ClaimedDelivery
    state: str
    reason: str = ""
    provider_message_id: str | None = None  # None: leave the column as it is
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    attempt_refunded: bool = False  # our configuration failed, not the message: the attempt does not count


class OutcomeWriter:
    """Writes outcomes guarded by each row's claim token, in as few commits as the channel policy allows."""

    def __init__(self, run: DeliveryRun) -> None:
        self.run = run
        self._held: list[_Outcome] = []
        table = Delivery._meta.db_table
        quote = connection.ops.quote_name
        self._sql = (
            f"UPDATE {quote(table)} SET {quote('state')} = %s, {quote('reason')} = %s, "  # noqa: S608 - names quoted from the model, values bound
            f"{quote('provider_message_id')} = COALESCE(%s, {quote('provider_message_id')}), "
            f"{quote('sent_at')} = COALESCE(%s, {quote('sent_at')}), "
            f"{quote('next_attempt_at')} = COALESCE(%s, {quote('next_attempt_at')}), "
            f"{quote('attempts')} = {quote('attempts')} - %s, {quote('updated_at')} = %s "
            f"WHERE {quote('id')} = %s AND {quote('claim_token')} = %s AND {quote('state')} = %s"
        )

    def hold(self, outcome: _Outcome) -> None:
        """Queue ``outcome`` for the next ``commit`` (SMS answers are committed there one by one)."""
        self._held.append(outcome)

    def commit(self) -> None:
        held, self._held = self._held, []
        shared = []
        for outcome in held:
            if outcome.state in _SENT_STATES and outcome.delivery.channel not in RECEIVER_DEDUPLICATES:
                self._write([outcome])  # a re-sent SMS reaches the phone again: its own commit, first
            else:
                shared.append(outcome)
        if shared:
            self._write(shared, receivers_deduplicate=True)

    def _write(self, outcomes: list[_Outcome], *, receivers_deduplicate: bool = False) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(timezone.now())
        params = [
            (
                o.state,
                o.reason,
                o.provider_message_id,
                adapt(o.sent_at),
                adapt(o.next_attempt_at),
                1 if o.attempt_refunded else 0,
                now,
                o.delivery.pk,
                o.delivery.claim_token,
                DeliveryState.SENDING,
            )
            for o in outcomes
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            if receivers_deduplicate and connection.vendor == "postgresql":
                # These outcomes need not wait for the WAL flush: if the database server itself crashed
                # and lost them, the rows fall back to 'sending' and are re-sent under the same
                # idempotency key, which these receivers drop. Never for SMS (no dedupe there).
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.executemany(self._sql, params)
            written = cursor.rowcount
        lost: set[int] = set()
        if written != len(outcomes):
            lost = self._lost_claims(outcomes)
        for outcome in outcomes:
            delivery = outcome.delivery
            if delivery.pk in lost:
                logger.warning(
                    "delivery %s was re-claimed by another worker; outcome %s not recorded", delivery.pk, outcome.state
                )
                continue
            self.run.count(outcome.state)
            if outcome.state in (DeliveryState.DEAD, DeliveryState.RETRYING):
                logger.warning(
                    "delivery %s key=%s %s: %s", delivery.pk, delivery.idempotency_key, outcome.state, outcome.reason
                )

    @staticmethod
    def _lost_claims(outcomes: list[_Outcome]) -> set[int]:
        """Rows of ``outcomes`` no longer under our claim (re-claimed after the lease, or reset by an operator)."""
        ours = Q()
        for token in {o.delivery.claim_token for o in outcomes}:
            ours |= Q(claim_token=token)
        ids = [o.delivery.pk for o in outcomes]
        kept = set(
            Delivery.objects.filter(ours, pk__in=ids).exclude(state=DeliveryState.SENDING).values_list("pk", flat=True)
        )
        return set(ids) - kept


_SENT_STATES = frozenset({DeliveryState.SENT, DeliveryState.DELIVERED})


class _BatchContext:
    """What one batch looks up more than once: channels, content, zones, quiet hours."""

    def __init__(self, config: DistributionSettings, run: DeliveryRun) -> None:
        self.config = config
        self.writer = OutcomeWriter(run)
        self.resolver = ContentResolver()
        self.paused_channels: dict[str, str] = {}
        self._channels: dict[str, ConfiguredChannel] = {}
        self._zones: dict[str, zoneinfo.ZoneInfo] = {}
        self._campaign_quiet_hours: dict[int, tuple[time, time] | None] = {}
        self._article_sites: dict[int, int | None] = {}
        self._site_roots: list[tuple[int, str]] | None = None

    def channel(self, kind: str, site_id: int | None = None) -> ConfiguredChannel:
        if (site_id, kind) not in self._channels:
            self._channels[site_id, kind] = configured_channel(kind, self.config, site_id)
        return self._channels[site_id, kind]

    def site_of(self, delivery: ClaimedDelivery) -> int | None:
        """The site whose channel settings send this delivery: its article's (None: the default site)."""
        if delivery.article_id is None:
            return None
        if delivery.article_id not in self._article_sites:
            if self._site_roots is None:
                self._site_roots = list(Site.objects.values_list("pk", "root_page__path").order_by("-root_page__depth"))
            path = Page.objects.filter(pk=delivery.article_id).values_list("path", flat=True).first() or ""
            self._article_sites[delivery.article_id] = next(
                (pk for pk, root in self._site_roots if path.startswith(root)), None
            )
        return self._article_sites[delivery.article_id]

    def zone(self, name: str) -> zoneinfo.ZoneInfo:
        if name not in self._zones:
            try:
                self._zones[name] = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self._zones[name] = zoneinfo.ZoneInfo("Asia/Shanghai")
        return self._zones[name]

    def quiet_hours(self, delivery: ClaimedDelivery) -> tuple[time, time] | None:
        if delivery.campaign_id:
            if delivery.campaign_id not in self._campaign_quiet_hours:
                campaign = Campaign.objects.filter(pk=delivery.campaign_id).only("quiet_start", "quiet_end").first()
                self._campaign_quiet_hours[delivery.campaign_id] = campaign.quiet_hours if campaign else None
            return self._campaign_quiet_hours[delivery.campaign_id]
        step = self.resolver.step(delivery.step_id)
        if step is not None and step.respect_quiet_hours:
            return step.plan.quiet_hours
        return None

    def pause_channel(self, kind: str, error: ChannelConfigurationError) -> None:
        self.paused_channels[kind] = f"channel configuration: {error.reason}"[:300]
        logger.error("%s channel misconfigured: %s", kind, error.reason)


def send_batch(
    batch: Iterable[ClaimedDelivery],
    *,
    config: DistributionSettings,
    run: DeliveryRun,
    after_send: AfterSend | None = None,
) -> None:
    """Send a claimed batch: ``config.send_threads`` messages in flight, outcomes committed as they arrive.

    Threads only talk to the provider; this thread does every database write.
    Before handing out more messages it commits every answer that has come
    back (see the module docstring for the per-channel commit policy), so at
    most ``send_threads`` accepted messages are ever unrecorded.
    """
    context = _BatchContext(config, run)
    if config.send_threads == 1:
        _send_one_at_a_time(batch, context, after_send)
        return
    answers: queue.SimpleQueue[tuple[ClaimedDelivery, Future]] = queue.SimpleQueue()
    in_flight = 0
    executor = ThreadPoolExecutor(max_workers=config.send_threads, thread_name_prefix="kepu-send")
    try:
        for delivery in batch:
            prepared = _prepare(delivery, context)
            if prepared is None:
                continue
            if in_flight >= config.send_threads:
                in_flight -= _take_answers(answers, context, after_send)
                context.writer.commit()
            target, message = prepared
            future = executor.submit(_send_one, target, message)
            future.add_done_callback(lambda done, delivery=delivery: answers.put((delivery, done)))
            in_flight += 1
        while in_flight:
            in_flight -= _take_answers(answers, context, after_send)
            context.writer.commit()
        context.writer.commit()
    except BaseException:
        _commit_after_failure(context.writer)
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _send_one_at_a_time(batch: Iterable[ClaimedDelivery], context: _BatchContext, after_send: AfterSend | None) -> None:
    """One message in flight: each answer is awaited and committed before the next send, as with threads,
    but in this thread (handing every message to a pool thread and back only adds two thread switches)."""
    try:
        for delivery in batch:
            prepared = _prepare(delivery, context)
            if prepared is None:
                continue
            answer: Future = Future()
            try:
                answer.set_result(_send_one(*prepared))
            except Exception as exc:  # noqa: BLE001 - a provider's answer (or a bug) is judged by _take_answer
                answer.set_exception(exc)
            _take_answer(delivery, answer, context, after_send)
            context.writer.commit()
        context.writer.commit()
    except BaseException:
        _commit_after_failure(context.writer)
        raise


def _commit_after_failure(writer: OutcomeWriter) -> None:
    """Write the answers already taken in, as a worker stopping cleanly would; the lease recovers the rest."""
    try:
        writer.commit()
    except Exception:  # noqa: BLE001 - the original failure is the one to report
        logger.exception("could not record outcomes after a failure; those rows are re-sent after the lease")


def _prepare(delivery: ClaimedDelivery, context: _BatchContext) -> tuple[ConfiguredChannel, OutgoingMessage] | None:
    if delivery.channel in context.paused_channels:
        context.writer.hold(_paused(delivery, context))
        return None
    if delivery.skip_reason:
        context.writer.hold(_Outcome(delivery, DeliveryState.SKIPPED, reason=delivery.skip_reason))
        return None
    try:
        content = context.resolver.content_for(delivery)
        target = context.channel(delivery.channel, context.site_of(delivery))
        return target, _message(delivery, content, target.endpoint)
    except ContentUnavailable as exc:
        context.writer.hold(_Outcome(delivery, DeliveryState.DEAD, reason=str(exc)[:300]))
    except ChannelConfigurationError as exc:
        context.pause_channel(delivery.channel, exc)
        context.writer.hold(_paused(delivery, context))
    except ValueError as exc:  # OutgoingMessage refused the content (e.g. an empty title)
        context.writer.hold(
            _Outcome(delivery, DeliveryState.DEAD, reason=f"message rejected before sending: {exc}"[:300])
        )
    return None


def _send_one(target: ConfiguredChannel, message: OutgoingMessage) -> SendResult:
    if target.limiter is not None:
        target.limiter.acquire()
    return target.channel.send(message)


def _take_answers(answers: queue.SimpleQueue, context: _BatchContext, after_send: AfterSend | None) -> int:
    """Wait for at least one provider answer, take in every one that has arrived; returns how many."""
    taken = [answers.get()]
    while True:
        try:
            taken.append(answers.get_nowait())
        except queue.Empty:
            break
    for delivery, future in taken:
        _take_answer(delivery, future, context, after_send)  # if this raises, later answers stay unrecorded
    return len(taken)


def _take_answer(
    delivery: ClaimedDelivery, future: Future, context: _BatchContext, after_send: AfterSend | None
) -> None:
    error = future.exception()
    result = future.result() if error is None else None
    if after_send:
        after_send(
            delivery,
            error.outcome
            if isinstance(error, ChannelError)
            else (result.outcome if result is not None else DeliveryOutcome.RETRYABLE_FAILURE),
        )
    hold = context.writer.hold
    if result is not None:
        state = DeliveryState.DELIVERED if result.outcome == DeliveryOutcome.DELIVERED else DeliveryState.SENT
        hold(_Outcome(delivery, state, provider_message_id=result.provider_message_id[:200], sent_at=timezone.now()))
    elif isinstance(error, RetryableChannelError):
        hold(_retry(delivery, context, error))
    elif isinstance(error, ChannelConfigurationError):
        context.pause_channel(delivery.channel, error)
        hold(_paused(delivery, context))
    elif isinstance(error, ContactInactiveError):
        ContactPoint.objects.filter(pk=delivery.contact_id, inactive_at__isnull=True).update(
            inactive_at=timezone.now(), inactive_reason=error.reason[:200]
        )
        hold(_Outcome(delivery, DeliveryState.DEAD, reason=f"contact inactive: {error.reason}"[:300]))
    elif isinstance(error, PermanentChannelError):
        hold(_Outcome(delivery, DeliveryState.DEAD, reason=error.reason[:300]))
    else:
        raise error  # a bug, not a provider answer: stop like a crashed worker; the lease recovers the rows


def _paused(delivery: ClaimedDelivery, context: _BatchContext) -> _Outcome:
    """Put the row back without counting the attempt: our configuration, not the message, is at fault."""
    return _Outcome(
        delivery,
        DeliveryState.RETRYING,
        reason=context.paused_channels[delivery.channel],
        next_attempt_at=timezone.now() + timedelta(seconds=context.config.configuration_error_pause_s),
        attempt_refunded=True,
    )


def _message(delivery: ClaimedDelivery, content, endpoint: str) -> OutgoingMessage:
    extra = {}
    address = delivery.address
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
        unsubscribe_url=unsubscribe_url(delivery.unsubscribe_token),
        extra=extra,
    )


def unsubscribe_url(token: str) -> str:
    """The contact's unsubscribe link (what ``ContactPoint.unsubscribe_url`` builds), from the bare token."""
    return ContactPoint(unsubscribe_token=token).unsubscribe_url()


def _retry(delivery: ClaimedDelivery, context: _BatchContext, exc: RetryableChannelError) -> _Outcome:
    # Spread: one outage fails thousands of rows at once, and their retries should not all return together.
    delay = context.config.retry.retry_delay_s(delivery.attempts, exc.retry_after, spread=True)
    if delay is None:
        return _Outcome(delivery, DeliveryState.DEAD, reason=f"gave up after {delivery.attempts} attempts: {exc}"[:300])
    moment = next_allowed_moment(
        timezone.now() + timedelta(seconds=delay), context.zone(delivery.time_zone), context.quiet_hours(delivery)
    )
    return _Outcome(delivery, DeliveryState.RETRYING, reason=str(exc)[:300], next_attempt_at=moment)


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
    return ledger.reset_for_retry(queryset, now=now, attempts=0, reason="", updated_at=now)
