"""Send partner deliveries whose retry time has come, in this process (for cron instead of Celery beat)."""

from django.core.management.base import BaseCommand

from distribution.delivery.states import DeliveryState
from distribution.feeds import partners


class Command(BaseCommand):
    help = "Attempt every partner delivery whose next attempt is due, one by one, and print the outcomes."

    def handle(self, *args, **options) -> None:
        ids = partners.due_delivery_ids()
        outcomes: dict[str, int] = {}
        for delivery_id in ids:
            delivery = partners.send_delivery(delivery_id)
            state = delivery.state if delivery else "skipped"
            outcomes[state] = outcomes.get(state, 0) + 1
        summary = ", ".join(f"{state}: {count}" for state, count in sorted(outcomes.items())) or "nothing due"
        style = (
            self.style.WARNING
            if outcomes.get(DeliveryState.DEAD) or outcomes.get(DeliveryState.RETRYING)
            else self.style.SUCCESS
        )
        self.stdout.write(style(f"{len(ids)} due deliveries — {summary}"))
