"""Crashes in the middle of a fan-out: nothing is sent twice, nobody is skipped.

The test raises from the progress observer right after the provider
accepted a message (the worst moment: the provider has it, the ledger does
not know yet). test_delivery_workers.py SIGKILLs a real worker process.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.db.models import Q
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import start_campaign
from distribution.campaigns.models import Campaign, Delivery, DeliveryState
from tests.distribution.test_campaign_helpers import (  # noqa: F401 - fixtures
    add_patient,
    distribution_config,
    doctor,
    public_base,
    publish_article,
    static_group,
)


class SimulatedCrash(Exception):
    pass


@pytest.mark.django_db
def test_exception_after_provider_accepted_is_recovered_without_duplicates_or_losses(
    settings, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink, batch_size=20, send_threads=1)
    article = publish_article(studio, people["doctor_a"], "孕晚期注意事项")
    patients = [add_patient(doctor, f"孕妇{i}", channels={"webhook": f"HIS-{i:03d}"}) for i in range(60)]
    campaign = Campaign.objects.create(name="孕晚期", doctor=doctor, article=article, channels=["webhook"],
                                       quiet_start=None, quiet_end=None)
    campaign.groups.add(static_group(doctor, "孕晚期", patients))
    start_campaign(campaign)
    scope = Q(campaign=campaign)

    answered = 0

    def crash_on_the_25th(delivery, outcome):
        nonlocal answered
        answered += 1
        if answered == 25:
            raise SimulatedCrash("worker died")

    with pytest.raises(SimulatedCrash):
        deliver_due(scope=scope, after_send=crash_on_the_25th)
    states = Counter(Delivery.objects.values_list("state", flat=True))
    assert states == {DeliveryState.DELIVERED: 24, DeliveryState.SENDING: 16, DeliveryState.PENDING: 20}

    # A healthy worker does not touch rows another worker claimed recently…
    deliver_due(scope=scope)
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 16
    # …and re-sends them, with their own keys, once the claim is stale.
    deliver_due(scope=scope, stale_before=timezone.now())

    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 60
    keys = {d.key.hex for d in Delivery.objects.all()}
    assert set(webhook_sink.accepted_keys) == keys  # nobody skipped
    repeated = {key for key, times in webhook_sink.accepted_keys.items() if times > 1}
    assert len(repeated) == 1  # only the message in flight at the crash, under its own key: a receiver drops it
    assert Delivery.objects.get(key__in=[uuid.UUID(key) for key in repeated]).attempts == 2
    campaign.refresh_from_db()
    assert campaign.state == Campaign.COMPLETED
