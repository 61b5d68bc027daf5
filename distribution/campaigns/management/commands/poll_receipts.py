"""``manage.py poll_receipts``: pull SMS status reports and apply receipts that came before their message."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from distribution.campaigns.receipts import poll_sms_receipts


class Command(BaseCommand):
    help = (
        "Pull Tencent Cloud SMS status reports (PullSmsSendStatus, when no status report address is set) and "
        "apply every delivery receipt still waiting for its message (Celery beat does this every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site",
            type=int,
            default=None,
            help="only the SMS account of this site (default: every account the sites use)",
        )

    def handle(self, *args, site: int | None, **options):
        self.stdout.write(str(poll_sms_receipts(site)))
