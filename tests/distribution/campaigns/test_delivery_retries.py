"""Retries with backoff, dead letters, quiet hours and the admin/command retry paths."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import campaign_statistics, start_campaign
from distribution.campaigns.models import Campaign, Delivery, next_allowed_moment
from distribution.delivery.states import DeliveryState
from tests.builders import WEBHOOK_SECRET, add_patient, distribution_config, openid, publish_article, static_group
from tests.fakes.webhook_sink import WebhookSink

pytestmark = pytest.mark.django_db


def make_campaign(studio, people, doctor, patients, channels, **fields) -> Campaign:
    article = publish_article(studio, people["doctor_a"], "糖尿病饮食")
    fields.setdefault("quiet_start", None)
    fields.setdefault("quiet_end", None)
    campaign = Campaign.objects.create(name="糖尿病", doctor=doctor, article=article, channels=channels, **fields)
    campaign.groups.add(static_group(doctor, "糖尿病", patients))
    return campaign


def test_channel_failing_30_percent_of_the_time_still_reaches_everyone(settings, studio, people, doctor, public_base):
    with WebhookSink(WEBHOOK_SECRET, failure_rate=0.3, failure_status=503, seed=7) as sink:
        settings.KEPU_DISTRIBUTION = distribution_config(webhook=sink, max_attempts=12)
        patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i}"}) for i in range(80)]
        campaign = make_campaign(studio, people, doctor, patients, ["webhook"])
        start_campaign(campaign)
        run = deliver_due(scope=Q(campaign=campaign))

    assert sink.stats["injected_failure"] > 0
    assert run.outcomes[DeliveryState.RETRYING] > 0
    assert sum(Delivery.objects.values_list("attempts", flat=True)) == sink.stats["requests"]
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 80
    assert len(sink.accepted_keys) == 80 and set(sink.accepted_keys.values()) == {1}
    assert Delivery.objects.filter(attempts__gt=1).exists()
    assert campaign_statistics(campaign)["sent"] == 80


def test_backoff_grows_and_the_last_failure_becomes_a_dead_letter_with_its_reason(
    settings, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(
        webhook=webhook_sink, max_attempts=3, backoff_base_s=60, backoff_max_s=3600
    )
    patient = add_patient(doctor, "患者", channels={"webhook": "HIS-1"})
    campaign = make_campaign(studio, people, doctor, [patient], ["webhook"])
    start_campaign(campaign)
    webhook_sink.answer_next(500, times=3)
    delivery = Delivery.objects.get()
    waits = []
    for _attempt in range(3):
        before = timezone.now()
        deliver_due(scope=Q(campaign=campaign))
        delivery.refresh_from_db()
        waits.append((delivery.next_attempt_at - before).total_seconds())
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes
    delivery.refresh_from_db()
    assert 60 <= waits[0] <= 76 and 120 <= waits[1] <= 151  # 60 s, then 120 s, with up to 25 % jitter
    assert delivery.state == DeliveryState.DEAD
    assert delivery.reason.startswith("gave up after 3 attempts: webhook ")
    assert "answered HTTP 500" in delivery.reason
    assert campaign_statistics(campaign)["dead"] == 1

    out = StringIO()
    call_command("retry_failed_deliveries", "--campaign", str(campaign.pk), stdout=out)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and "1 delivery(ies) reset" in out.getvalue()
    assert len(webhook_sink.accepted_keys) == 1


def test_permanent_errors_and_inactive_contacts_are_not_retried(
    settings, studio, people, doctor, public_base, wechat_server
):
    settings.KEPU_DISTRIBUTION = distribution_config(wechat=wechat_server)
    gone = add_patient(doctor, "取关", channels={"wechat": openid(1)})
    fine = add_patient(doctor, "正常", channels={"wechat": openid(2)})
    wechat_server.unfollowed.add(openid(1))
    campaign = make_campaign(studio, people, doctor, [gone, fine], ["wechat"])
    start_campaign(campaign)
    deliver_due(scope=Q(campaign=campaign))

    dead = Delivery.objects.get(patient=gone)
    assert dead.state == DeliveryState.DEAD and dead.reason.startswith("contact inactive: WeChat errcode 43004")
    assert gone.contacts.get().inactive_at is not None
    assert Delivery.objects.get(patient=fine).state == DeliveryState.SENT
    assert openid(1) not in dead.reason


def test_misconfigured_channel_pauses_its_rows_without_burning_attempts(
    settings, studio, people, doctor, public_base, wechat_server
):
    cache.clear()  # no access token left over from another test
    config = distribution_config(wechat=wechat_server)
    config["channels"]["wechat"]["app_secret"] = "wrong-secret-0123456789"
    settings.KEPU_DISTRIBUTION = config
    patients = [add_patient(doctor, f"患者{i}", channels={"wechat": openid(i)}) for i in range(3)]
    campaign = make_campaign(studio, people, doctor, patients, ["wechat"])
    start_campaign(campaign)
    deliver_due(scope=Q(campaign=campaign))

    rows = list(Delivery.objects.all())
    assert {row.state for row in rows} == {DeliveryState.RETRYING}
    assert {row.attempts for row in rows} == {0}
    assert all(
        row.reason.startswith("channel configuration: WeChat token request failed with errcode 40125") for row in rows
    )
    assert min(row.next_attempt_at for row in rows) > timezone.now() + timedelta(minutes=9)
    assert len(wechat_server.send_requests) == 0


def test_quiet_hours_hold_messages_until_morning_in_each_patients_time_zone(
    settings, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    shanghai = add_patient(doctor, "上海", channels={"webhook": "HIS-SH"}, time_zone="Asia/Shanghai")
    london = add_patient(doctor, "London", channels={"webhook": "HIS-LDN"}, time_zone="Europe/London")
    campaign = make_campaign(
        studio, people, doctor, [shanghai, london], ["webhook"], quiet_start=time(21, 0), quiet_end=time(8, 0)
    )
    # 22:30 in Shanghai is 14:30 in London (winter): one waits for 08:00 local, the other goes now.
    evening = datetime(2026, 1, 15, 22, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    start_campaign(campaign, now=evening)

    held = Delivery.objects.get(patient=shanghai)
    assert held.next_attempt_at == datetime(2026, 1, 16, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert Delivery.objects.get(patient=london).next_attempt_at == evening


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-03-01 20:59", "2026-03-01 20:59"),
        ("2026-03-01 21:00", "2026-03-02 08:00"),
        ("2026-03-02 03:00", "2026-03-02 08:00"),
        ("2026-03-02 08:00", "2026-03-02 08:00"),
    ],
)
def test_next_allowed_moment_across_midnight(local, expected):
    zone = ZoneInfo("Asia/Shanghai")
    moment = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    result = next_allowed_moment(moment, zone, (time(21, 0), time(8, 0)))
    assert result.astimezone(zone).strftime("%Y-%m-%d %H:%M") == expected
