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
from distribution.campaigns.models import Campaign, Delivery
from distribution.delivery.states import DeliveryState
from tests.builders import add_patient, distribution_config, publish_article, static_group


class SimulatedCrash(Exception):
    pass


@pytest.mark.django_db
def test_exception_after_provider_accepted_is_recovered_without_duplicates_or_losses(
    settings, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink, batch_size=20, send_threads=1)
    article = publish_article(studio, people["doctor_a"], "孕晚期注意事项")
    patients = [add_patient(doctor, f"孕妇{i}", channels={"webhook": f"HIS-{i:03d}"}) for i in range(60)]
    campaign = Campaign.objects.create(
        name="孕晚期", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
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


@pytest.mark.django_db
def test_crash_with_several_threads_leaves_at_most_send_threads_messages_to_resend(
    settings, studio, people, doctor, public_base, webhook_sink, sms_server
):
    """Answers that arrive together share a commit (webhook) or get one each (SMS); either way a crash
    exposes only the messages in flight, and SMS — whose receiver does not de-duplicate — no more than that."""
    settings.KEPU_DISTRIBUTION = distribution_config(
        webhook=webhook_sink, sms=sms_server, batch_size=30, send_threads=4
    )
    article = publish_article(studio, people["doctor_a"], "冬季流感预防")
    patients = [
        add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i:03d}", "sms": f"+86138{i:08d}"})
        for i in range(45)
    ]
    campaign = Campaign.objects.create(
        name="流感", doctor=doctor, article=article, channels=["webhook", "sms"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "流感", patients))
    start_campaign(campaign)
    scope = Q(campaign=campaign)

    answered = 0

    def crash_on_the_40th(delivery, outcome):
        nonlocal answered
        answered += 1
        if answered == 40:
            raise SimulatedCrash("worker died")

    with pytest.raises(SimulatedCrash):
        deliver_due(scope=scope, after_send=crash_on_the_40th)
    recorded_before_crash = Delivery.objects.filter(state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]).count()
    assert recorded_before_crash == 39  # every answer taken in before the crash is in the ledger

    deliver_due(scope=scope, stale_before=timezone.now())

    assert Delivery.objects.filter(state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]).count() == 90
    assert set(webhook_sink.accepted_keys) == {d.key.hex for d in Delivery.objects.filter(channel="webhook")}
    phones = Counter(sms.phone for sms in sms_server.sent)
    assert set(phones) == {f"+86138{i:08d}" for i in range(45)}  # nobody skipped
    resent = sum(times - 1 for times in webhook_sink.accepted_keys.values()) + sum(
        times - 1 for times in phones.values()
    )
    assert resent <= 4  # at most send_threads messages were accepted but not yet recorded


@pytest.mark.django_db
def test_outcome_of_a_row_another_worker_took_over_is_not_written(
    settings, studio, people, doctor, public_base, webhook_sink
):
    """Outcomes are written in groups; a row re-claimed meanwhile keeps the other worker's state, the rest are written."""
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink, batch_size=10, send_threads=2)
    article = publish_article(studio, people["doctor_a"], "术后饮食")
    patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i:03d}"}) for i in range(10)]
    campaign = Campaign.objects.create(
        name="术后", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "术后", patients))
    start_campaign(campaign)
    taken_over: list[int] = []

    def another_worker_reclaims_the_first(delivery, outcome):
        if not taken_over:
            Delivery.objects.filter(pk=delivery.pk).update(claim_token="another-worker")
            taken_over.append(delivery.pk)

    run = deliver_due(scope=Q(campaign=campaign), after_send=another_worker_reclaims_the_first)

    assert run.outcomes == {DeliveryState.DELIVERED: 9}
    stolen = Delivery.objects.get(pk=taken_over[0])
    assert stolen.state == DeliveryState.SENDING and stolen.claim_token == "another-worker"
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 9
