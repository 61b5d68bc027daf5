"""Celery tasks of the distribution app: thin wrappers around the ledger functions.

Beat schedule (settings.CELERY_BEAT_SCHEDULE)::

    "distribution-deliver-due": {"task": "distribution.campaigns.tasks.deliver_due_deliveries", "schedule": 60.0},
    "distribution-followups": {"task": "distribution.campaigns.tasks.dispatch_due_followups", "schedule": 300.0},

The first starts scheduled campaigns and sends what is due (first attempts
after quiet hours, retries after their backoff, and 'sending' rows left by a
dead worker); the second writes follow-up plan steps as they fall due.
"""

from __future__ import annotations

from celery import shared_task
from django.db.models import Q

from .configuration import distribution_settings
from .delivery_ledger import deliver_due
from .fanout import dispatch_followups, start_campaign, start_scheduled_campaigns
from .models import Campaign

# One task sends this many batches before handing over, so a long fan-out
# shares the workers with other queues and survives a worker restart cleanly.
BATCHES_PER_TASK = 50


@shared_task(name="distribution.campaigns.tasks.send_campaign", ignore_result=True)
def send_campaign(campaign_id: int) -> int:
    """Write the campaign's ledger rows and queue the fan-out over the workers."""
    campaign = Campaign.objects.get(pk=campaign_id)
    added = 0
    if campaign.state in (Campaign.DRAFT, Campaign.SCHEDULED, Campaign.PAUSED):
        added = start_campaign(campaign)  # a second request (double click) finds it started and adds nothing
    for _ in range(distribution_settings().parallel_tasks):
        deliver_campaign.delay(campaign_id)
    return added


@shared_task(name="distribution.campaigns.tasks.deliver_campaign", ignore_result=True)
def deliver_campaign(campaign_id: int) -> str:
    run = deliver_due(scope=Q(campaign_id=campaign_id), max_batches=BATCHES_PER_TASK)
    if run.claimed and not deliver_campaign.app.conf.task_always_eager:
        deliver_campaign.delay(campaign_id)  # more may be due; the next task carries on
    return str(run)


@shared_task(name="distribution.campaigns.tasks.deliver_due_deliveries", ignore_result=True)
def deliver_due_deliveries() -> str:
    start_scheduled_campaigns()
    return str(deliver_due(max_batches=BATCHES_PER_TASK))


@shared_task(name="distribution.campaigns.tasks.dispatch_due_followups", ignore_result=True)
def dispatch_due_followups() -> str:
    added = dispatch_followups()
    run = deliver_due(scope=Q(enrolment__isnull=False), max_batches=BATCHES_PER_TASK)
    return f"{added} follow-up row(s) written; {run}"
