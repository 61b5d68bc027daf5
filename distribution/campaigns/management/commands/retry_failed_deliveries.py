"""``manage.py retry_failed_deliveries``: give failed and dead deliveries another round of attempts."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due, retry_deliveries
from distribution.campaigns.models import Delivery


class Command(BaseCommand):
    help = (
        "Reset failed (retrying) and dead deliveries to pending with fresh attempts, then send what is due. "
        "Skipped deliveries (unsubscribed, no consent) are never retried. Idempotency keys are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, help="only this campaign")
        parser.add_argument("--channel", choices=["wechat", "sms", "email", "webhook"])
        parser.add_argument("--no-send", action="store_true", help="only reset the rows; the workers send them")
        parser.add_argument(
            "--stale-after",
            type=float,
            default=None,
            metavar="SECONDS",
            help="also re-send 'sending' rows older than this (0 after a crash when no worker is running)",
        )

    def handle(
        self, *args, campaign: int | None, channel: str | None, no_send: bool, stale_after: float | None, **options
    ):
        scope = Q()
        if campaign is not None:
            scope &= Q(campaign_id=campaign)
        if channel:
            scope &= Q(channel=channel)
        reset = retry_deliveries(Delivery.objects.filter(scope))
        self.stdout.write(f"{reset} delivery(ies) reset for retry")
        if no_send:
            return
        stale_before = timezone.now() - timedelta(seconds=stale_after) if stale_after is not None else None
        run = deliver_due(scope=scope or None, stale_before=stale_before)
        self.stdout.write(str(run))
