"""A campaign whose worker was lost resumes without beat and shows as stalled in the admin meanwhile."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import stalled_campaign_ids, start_campaign
from distribution.campaigns.models import Campaign, Delivery
from distribution.delivery.states import DeliveryState
from tests.admin_language import admin_text
from tests.builders import add_patient, distribution_config, publish_article, static_group

pytestmark = pytest.mark.django_db


class WorkerKilled(Exception):
    pass


@pytest.fixture
def interrupted_campaign(settings, studio, people, doctor, public_base, webhook_sink):
    """A 30-patient campaign whose first worker (Celery task 'task-1') died with a batch claimed."""
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink, batch_size=10, send_threads=1)
    article = publish_article(studio, people["doctor_a"], "出院后用药")
    patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i:03d}"}) for i in range(30)]
    campaign = Campaign.objects.create(
        name="出院", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "出院", patients))
    start_campaign(campaign)
    answered = 0

    def die_on_the_fifth(delivery, outcome):
        nonlocal answered
        answered += 1
        if answered == 5:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        deliver_due(scope=Q(campaign=campaign), worker_id="task-1", after_send=die_on_the_fifth)
    assert Delivery.objects.filter(state=DeliveryState.SENDING, claimed_by="task-1").count() == 6
    return campaign


def test_the_redelivered_task_takes_back_its_own_claims_at_once(interrupted_campaign, webhook_sink):
    scope = Q(campaign=interrupted_campaign)
    # Another task sends what is pending but leaves the lost worker's rows to their lease…
    deliver_due(scope=scope, worker_id="task-2")
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 6
    # …and the broker's second delivery of task-1's message (same task id) resumes them, no lease wait.
    deliver_due(scope=scope, worker_id="task-1")
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 30
    assert len(webhook_sink.accepted_keys) == 30
    assert sum(times - 1 for times in webhook_sink.accepted_keys.values()) <= 1  # only the one in flight
    interrupted_campaign.refresh_from_db()
    assert interrupted_campaign.state == Campaign.COMPLETED


def test_a_campaign_that_stopped_moving_is_shown_stalled_and_resumed_by_the_sweep(
    client, people, interrupted_campaign, webhook_sink
):
    campaign = interrupted_campaign
    assert stalled_campaign_ids() == []  # it moved a moment ago
    long_ago = timezone.now() - timedelta(minutes=10)
    Delivery.objects.filter(campaign=campaign).update(updated_at=long_ago, claimed_at=long_ago)
    Campaign.objects.filter(pk=campaign.pk).update(started_at=long_ago)
    assert stalled_campaign_ids() == [campaign.pk]

    client.force_login(people["doctor_a"])
    listing = client.get(reverse("distribution_campaigns:index")).content.decode()
    assert admin_text("Stalled") in listing
    report = client.get(reverse("campaign_report", args=[campaign.pk])).content.decode()
    assert reverse("campaign_resume", args=[campaign.pk]) in report

    # The sweep (beat, or the command) queues the fan-out again; rows still claimed wait for the lease.
    call_command("resume_stalled_campaigns", stdout=StringIO())
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 24
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 6
    assert stalled_campaign_ids() == []  # it moved


def test_visibility_timeout_at_or_above_the_lease_is_a_warning(settings):
    from distribution.campaigns.checks import visibility_timeout_shorter_than_lease

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
    assert visibility_timeout_shorter_than_lease() == []  # the defaults: 300 s against 900 s
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert [warning.id for warning in visibility_timeout_shorter_than_lease()] == ["campaigns.W001"]
