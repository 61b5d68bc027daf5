"""``manage.py flush_outbox``: send the Celery tasks that waited while the broker was down."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cms.core.outbox import flush_outbox


class Command(BaseCommand):
    help = (
        "Send the tasks that could not be queued while the broker was unreachable (Celery beat also does "
        "this every minute, and every worker when it starts)."
    )

    def handle(self, *args, **options):
        sent, waiting = flush_outbox()
        self.stdout.write(f"{sent} task(s) sent, {waiting} still waiting for the broker")
        if waiting and not sent:
            self.stderr.write("the broker is still unreachable")
