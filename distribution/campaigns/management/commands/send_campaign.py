"""``manage.py send_campaign <id>``: start a campaign and send it from this process (or ``--queue`` it)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from cms.core.outbox import enqueue
from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import CampaignError, campaign_statistics, start_campaign
from distribution.campaigns.models import Campaign
from distribution.campaigns.tasks import send_campaign


class Command(BaseCommand):
    help = (
        "Write the campaign's delivery rows (once: re-running adds nothing) and send what is due now. "
        "Rows in the patients' quiet hours or waiting for a retry are left for the workers."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("--queue", action="store_true", help="hand the fan-out to the Celery workers instead")
        parser.add_argument(
            "--stale-after",
            type=float,
            default=None,
            metavar="SECONDS",
            help="re-send 'sending' rows older than this (default: the configured lease); "
            "0 after a crash when no other worker is running",
        )

    def handle(self, *args, campaign_id: int, queue: bool, stale_after: float | None, **options):
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"no campaign with id {campaign_id}")
        if queue:
            if enqueue(send_campaign, campaign.pk):
                self.stdout.write(f"campaign {campaign.pk} queued")
            else:
                self.stdout.write(
                    f"campaign {campaign.pk}: the broker is unreachable; the request waits in the "
                    "outbox and goes out when it is back (manage.py flush_outbox)"
                )
            return
        if campaign.state != Campaign.SENDING:
            try:
                added = start_campaign(campaign)
            except CampaignError as exc:
                raise CommandError(f"campaign {campaign.pk}: {exc}") from None
            self.stdout.write(f"campaign {campaign.pk}: {added} delivery row(s) written")
        stale_before = timezone.now() - timedelta(seconds=stale_after) if stale_after is not None else None
        run = deliver_due(scope=Q(campaign_id=campaign.pk), stale_before=stale_before)
        self.stdout.write(f"campaign {campaign.pk}: {run}")
        stats = campaign_statistics(campaign)
        self.stdout.write(" ".join(f"{name}={value}" for name, value in stats.items()))
