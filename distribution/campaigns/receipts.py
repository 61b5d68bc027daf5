"""Delivery receipts: ledger rows move from "sent" to "delivered" or "not delivered" on the provider's word.

Receipts are safe to get twice, out of order, early or for messages the
studio never sent:

- each is stored once per (channel, provider id) in ``DeliveryReceipt``; a
  later report on the same message replaces an earlier one, an older one is
  ignored;
- a receipt moves a ``Delivery`` only from the accepted states
  (sent / delivered / not delivered) and only if it is not older than the
  receipt the row already took (``receipt_at``), in one conditional UPDATE;
- a receipt whose message is not in the ledger yet (the provider answered
  faster than we committed the send) waits, and ``apply_pending_receipts``
  (beat, every minute) applies it when the row carries the id; receipts that
  match nothing for ``PENDING_RECEIPT_DAYS`` are dropped.

Mass sends to a WeChat tag have no ledger rows; their MASSSENDJOBFINISH report
updates the ``WeChatMassSend`` row instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Site

from distribution.channels import ChannelError
from distribution.channels.base import build_http_session
from distribution.channels.receipts import ProviderReceipt
from distribution.channels.sms_receipts import PULL_LIMIT, pull_sms_send_status
from distribution.channels.wechat_push import MassSendReport
from distribution.delivery.states import DeliveryState

from .channel_pool import configured_channel
from .channel_settings import effective_channel_configs
from .configuration import distribution_settings
from .models import RECEIPT_STATES, Delivery, DeliveryReceipt, WeChatMassSend

__all__ = [
    "ReceiptRun",
    "record_receipts",
    "apply_pending_receipts",
    "poll_sms_receipts",
    "sms_account_sites",
    "record_mass_report",
]

logger = logging.getLogger(__name__)

PENDING_RECEIPT_DAYS = 7
MAX_PULLS_PER_RUN = 50  # 5,000 reports a minute; the next run takes the rest


@dataclass
class ReceiptRun:
    received: int = 0
    applied: int = 0  # ledger rows moved
    waiting: int = 0  # receipts still without their message
    dropped: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.received} receipt(s) received, {self.applied} message(s) updated, {self.waiting} waiting"
        if self.dropped:
            text += f", {self.dropped} old unmatched dropped"
        return text + "".join(f"; {error}" for error in self.errors)


def _store(receipt: ProviderReceipt) -> DeliveryReceipt | None:
    """Keep the newest report per message; None when an equal or newer one is stored already."""
    values = {
        "delivered": receipt.delivered,
        "status": receipt.status,
        "reason": receipt.reason[:300],
        "reported_at": receipt.reported_at,
        "applied_at": None,
    }
    key = {"channel": receipt.channel, "provider_message_id": receipt.provider_message_id}
    try:
        with transaction.atomic():
            return DeliveryReceipt.objects.create(**key, **values)
    except IntegrityError:
        pass  # known already (or another request stored it just now)
    updated = DeliveryReceipt.objects.filter(**key, reported_at__lt=receipt.reported_at).update(**values)
    return DeliveryReceipt.objects.get(**key) if updated else None


def _apply(stored: DeliveryReceipt) -> tuple[int, bool]:
    """Move the ledger row(s) of ``stored``: (rows moved, whether its message is in the ledger).

    A row still ``sending`` under the same id (re-claimed after a lost worker) waits: its outcome
    is about to be written over whatever the receipt would set.
    """
    rows = Delivery.objects.filter(channel=stored.channel, provider_message_id=stored.provider_message_id)
    state = DeliveryState.DELIVERED if stored.delivered else DeliveryState.UNDELIVERED
    moved = rows.filter(
        Q(receipt_at__isnull=True) | Q(receipt_at__lte=stored.reported_at), state__in=RECEIPT_STATES
    ).update(
        state=state,
        reason="" if stored.delivered else stored.reason,
        receipt_at=stored.reported_at,
        updated_at=timezone.now(),
    )
    known = bool(moved) or rows.exclude(state=DeliveryState.SENDING).exists()
    if known:
        DeliveryReceipt.objects.filter(pk=stored.pk, reported_at=stored.reported_at).update(applied_at=timezone.now())
    return moved, known


def record_receipts(receipts: Iterable[ProviderReceipt]) -> ReceiptRun:
    """Store and apply provider receipts (from a callback, a push or a pull)."""
    run = ReceiptRun()
    for receipt in receipts:
        run.received += 1
        stored = _store(receipt)
        if stored is not None:
            moved, known = _apply(stored)
            run.applied += moved
            run.waiting += not known
    return run


def apply_pending_receipts(*, now=None, limit: int = 5000) -> ReceiptRun:
    """Apply receipts that came before their message was recorded; drop those that never matched."""
    now = now or timezone.now()
    run = ReceiptRun()
    pending = DeliveryReceipt.objects.filter(applied_at__isnull=True).order_by("received_at")
    for stored in pending[:limit]:
        run.applied += _apply(stored)[0]
    run.dropped, _detail = pending.filter(received_at__lt=now - timedelta(days=PENDING_RECEIPT_DAYS)).delete()
    run.waiting = pending.count()
    return run


def sms_account_sites() -> list[int]:
    """One site per SMS account (SdkAppId) that sites send with: each account's reports are pulled once."""
    seen: dict[str, int] = {}
    for site_id in Site.objects.order_by("-is_default_site", "pk").values_list("pk", flat=True):
        options = effective_channel_configs(distribution_settings().channels, site_id).get("sms")
        if options:
            seen.setdefault(str(options.get("sdk_app_id", "")), site_id)
    return list(seen.values())


def poll_sms_receipts(site_id: int | None = None) -> ReceiptRun:
    """Pull SMS status reports (when no callback address is configured) and apply every waiting receipt.

    ``site_id`` None: every SMS account the sites use.
    """
    run = ReceiptRun()
    for account_site in [site_id] if site_id is not None else sms_account_sites():
        _pull_sms_account(account_site, run)
    pending = apply_pending_receipts()
    run.applied += pending.applied
    run.waiting, run.dropped = pending.waiting, pending.dropped
    return run


def _pull_sms_account(site_id: int, run: ReceiptRun) -> None:
    try:
        config = configured_channel("sms", distribution_settings(), site_id).channel.config
    except ChannelError:
        return  # SMS is not set up for this site: nothing to pull
    if config.callback_token:
        return  # Tencent posts the reports to the status report address (and pulls would return none)
    session = build_http_session(config.http)
    try:
        for _pull in range(MAX_PULLS_PER_RUN):
            try:
                receipts = pull_sms_send_status(config, session, clock=time.time)
            except ChannelError as exc:
                logger.warning("SMS status pull failed: %s", exc.reason)
                run.errors.append(exc.reason)
                return
            pulled = record_receipts(receipts)
            run.received += pulled.received
            run.applied += pulled.applied
            if len(receipts) < PULL_LIMIT:
                return
    finally:
        session.close()


def record_mass_report(report: MassSendReport) -> bool:
    """Write a MASSSENDJOBFINISH report on its mass send; False for a job the studio does not know."""
    updated = WeChatMassSend.objects.filter(msg_id=report.msg_id).update(
        state=WeChatMassSend.FINISHED if report.succeeded else WeChatMassSend.FAILED,
        status=report.status,
        total_count=report.total,
        sent_count=report.sent,
        error_count=report.errors,
        reason="" if report.succeeded else f"WeChat reported {report.status}",
        finished_at=report.reported_at,
    )
    return bool(updated)
