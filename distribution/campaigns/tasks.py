"""Celery tasks of the distribution app: thin wrappers around the ledger functions.

Beat schedule (settings.CELERY_BEAT_SCHEDULE)::

    "distribution-deliver-due": {"task": "distribution.campaigns.tasks.deliver_due_deliveries", "schedule": 60.0},
    "distribution-followups": {"task": "distribution.campaigns.tasks.dispatch_due_followups", "schedule": 300.0},
    "distribution-resume-stalled": {"task": "distribution.campaigns.tasks.resume_stalled_campaigns", "schedule": 120.0},
    "distribution-receipts": {"task": "distribution.campaigns.tasks.poll_delivery_receipts", "schedule": 60.0},

The first starts scheduled campaigns and sends what is due (first attempts
after quiet hours, retries after their backoff, and 'sending' rows left by a
dead worker); the second writes follow-up plan steps as they fall due; the
third queues the fan-out again for campaigns that stopped making progress; the
fourth pulls SMS status reports and applies receipts that came early.

A fan-out survives the loss of its worker without beat: its tasks are
acknowledged late, so the broker hands a killed worker's message out again
(at once on RabbitMQ, after ``KEPU_BROKER_VISIBILITY_TIMEOUT_S`` on Redis),
and the new run takes back the rows stamped with its own task id instead of
waiting for the delivery lease. Each task stops after a third of the
visibility timeout and queues its successor, so a live task's message is
never handed out twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext

from cms.core.outbox import enqueue

from .configuration import distribution_settings
from .delivery_ledger import deliver_due
from .fanout import (
    CampaignError,
    dispatch_followups,
    record_campaign_failure,
    start_campaign,
    start_scheduled_campaigns,
)
from .fanout import (
    resume_stalled_campaigns as resume_stalled,
)
from .models import Campaign
from .receipts import poll_sms_receipts

logger = logging.getLogger(__name__)

# One task sends at most this many batches before handing over, so a long fan-out
# shares the workers with other queues and survives a worker restart cleanly.
BATCHES_PER_TASK = 50


def task_time_budget_s() -> float:
    """How long one fan-out task may keep claiming batches: a third of the broker's visibility timeout."""
    return float(getattr(settings, "KEPU_BROKER_VISIBILITY_TIMEOUT_S", 300)) / 3


@shared_task(name="distribution.campaigns.tasks.send_campaign", ignore_result=True, acks_late=True)
def send_campaign(campaign_id: int) -> int:
    """Write the campaign's ledger rows and queue the fan-out over the workers.

    Whatever stops the start is written on the campaign (state "could not be
    sent" and the reason), so the admin shows it instead of a draft with zero
    totals; the exception is re-raised for the worker log.
    """
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        logger.warning("campaign %s no longer exists; nothing to send", campaign_id)
        return 0
    added = 0
    if campaign.state in Campaign.STARTABLE_STATES:
        try:
            added = start_campaign(campaign)  # a second request (double click) finds it started and adds nothing
        except CampaignError as exc:
            record_campaign_failure(campaign, str(exc))
            logger.warning("campaign %s not started: %s", campaign_id, exc)
            return 0
        except Exception as exc:
            record_campaign_failure(campaign, f"{type(exc).__name__}: {exc}")
            raise
    for _ in range(distribution_settings().parallel_tasks):
        enqueue(deliver_campaign, campaign_id)
    return added


@shared_task(bind=True, name="distribution.campaigns.tasks.deliver_campaign", ignore_result=True, acks_late=True)
def deliver_campaign(self, campaign_id: int) -> str:
    eager = deliver_campaign.app.conf.task_always_eager
    try:
        run = deliver_due(
            scope=Q(campaign_id=campaign_id),
            max_batches=BATCHES_PER_TASK,
            worker_id="" if eager else (self.request.id or ""),
            time_budget_s=None if eager else task_time_budget_s(),
        )
    except Exception as exc:
        # The rows stay claimed and the lease hands them to the next worker; the report says why it stalled.
        reason = gettext("Sending stopped: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        Campaign.objects.filter(pk=campaign_id).update(state_reason=reason[:300])
        raise
    if run.claimed:
        Campaign.objects.filter(pk=campaign_id, state=Campaign.SENDING).exclude(state_reason="").update(state_reason="")
    if run.claimed and not eager:
        enqueue(deliver_campaign, campaign_id)  # more may be due; the next task carries on
    return str(run)


@shared_task(name="distribution.campaigns.tasks.deliver_due_deliveries", ignore_result=True)
def deliver_due_deliveries() -> str:
    start_scheduled_campaigns()
    return str(deliver_due(max_batches=BATCHES_PER_TASK, time_budget_s=task_time_budget_s()))


@shared_task(name="distribution.campaigns.tasks.dispatch_due_followups", ignore_result=True)
def dispatch_due_followups() -> str:
    added = dispatch_followups()
    run = deliver_due(
        scope=Q(enrolment__isnull=False), max_batches=BATCHES_PER_TASK, time_budget_s=task_time_budget_s()
    )
    return f"{added} follow-up row(s) written; {run}"


@shared_task(name="distribution.campaigns.tasks.resume_stalled_campaigns", ignore_result=True)
def resume_stalled_campaigns() -> str:
    """Queue the fan-out again for every campaign that stopped making progress."""
    resumed = resume_stalled(lambda campaign_id: enqueue(deliver_campaign, campaign_id))
    return f"{len(resumed)} stalled campaign(s) resumed"


@shared_task(name="distribution.campaigns.tasks.poll_delivery_receipts", ignore_result=True)
def poll_delivery_receipts() -> str:
    """Pull SMS status reports and apply receipts that arrived before their message was recorded."""
    return str(poll_sms_receipts())
