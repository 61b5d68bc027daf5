"""``manage.py resume_stalled_campaigns``: queue the fan-out again for campaigns that stopped moving."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cms.core.outbox import enqueue
from distribution.campaigns.fanout import resume_stalled_campaigns, stalled_campaign_ids
from distribution.campaigns.tasks import deliver_campaign


class Command(BaseCommand):
    help = (
        "List sending campaigns whose delivery rows have not moved for KEPU_DISTRIBUTION['stalled_after_s'] "
        "and queue their fan-out again (Celery beat does this every two minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list the stalled campaigns")

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            stalled = stalled_campaign_ids()
        else:
            stalled = resume_stalled_campaigns(lambda campaign_id: enqueue(deliver_campaign, campaign_id))
        verb = "stalled" if dry_run else "resumed"
        self.stdout.write(f"{len(stalled)} campaign(s) {verb}: {', '.join(map(str, stalled)) or '-'}")
