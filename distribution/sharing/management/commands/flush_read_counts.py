"""Move the read counts gathered in Redis into the daily counters now (beat does it every few seconds).

manage.py flush_read_counts
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from distribution.sharing.analytics import flush_pending_counts


class Command(BaseCommand):
    help = "Add the read counts gathered in Redis to the daily counters."

    def handle(self, *args, **options) -> None:
        added = flush_pending_counts()
        self.stdout.write(f"{added} events added to the read counts.")
