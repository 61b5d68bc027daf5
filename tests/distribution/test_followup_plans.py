"""Follow-up plans: steps fall due at day offsets in the patient's time zone; unsubscribing stops the next one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import dispatch_followups
from distribution.campaigns.models import Delivery, DeliveryState, FollowUpEnrolment, FollowUpPlan
from distribution.campaigns.tasks import dispatch_due_followups
from tests.distribution.test_campaign_helpers import (  # noqa: F401 - fixtures
    add_patient,
    distribution_config,
    doctor,
    public_base,
    publish_article,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def enrol(plan: FollowUpPlan, patient, starts_on: date) -> FollowUpEnrolment:
    return FollowUpEnrolment.objects.create(plan=plan, patient=patient, starts_on=starts_on,
                                            attached_at=at(starts_on, 0))


def test_templates_are_installed_idempotently():
    call_command("load_followup_templates", stdout=open("/dev/null", "w"))
    call_command("load_followup_templates", stdout=open("/dev/null", "w"))
    plans = {plan.slug: plan for plan in FollowUpPlan.objects.all()}
    assert set(plans) == {"hypertension", "type-2-diabetes", "post-operative"}
    assert [step.day_offset for step in plans["post-operative"].steps.all()] == [1, 3, 7, 14, 30]
    medication = plans["type-2-diabetes"].steps.filter(kind="medication")
    assert medication.count() == 2 and not any(step.respect_quiet_hours for step in medication)


def test_post_operative_plan_sends_each_step_once_and_unsubscribe_stops_the_next(
    settings, client, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    call_command("load_followup_templates", stdout=open("/dev/null", "w"))
    publish_article(studio, people["doctor_a"], "术后如何活动", tags=["术后"])
    plan = FollowUpPlan.objects.get(slug="post-operative")
    surgery = timezone.localdate() - timedelta(days=20)
    patient = add_patient(doctor, "赵先生", channels={"webhook": "HIS-77"}, tags=["术后"])
    enrol(plan, patient, surgery)

    assert dispatch_followups(now=at(surgery + timedelta(days=1), 8, 59)) == 0  # day 1 step is at 09:00
    assert dispatch_followups(now=at(surgery + timedelta(days=1), 9, 5)) == 1
    assert dispatch_followups(now=at(surgery + timedelta(days=1), 9, 10)) == 0  # already written
    deliver_due()
    [first] = [hook.json() for hook in webhook_sink.received]
    assert first["title"] == "术后第1天：伤口护理"
    assert "/messages/reminders/" in first["url"]

    # The patient follows the unsubscribe link in that message.
    unsubscribe_path = first["unsubscribe_url"].removeprefix(public_base)
    token = patient.contacts.get().unsubscribe_token
    assert unsubscribe_path == f"/messages/unsubscribe/{token}/"  # only the random token, no patient data
    assert client.post(unsubscribe_path).status_code == 200

    assert dispatch_followups(now=at(surgery + timedelta(days=3), 10, 5)) == 1
    deliver_due()
    day3 = Delivery.objects.get(step__day_offset=3)
    assert day3.state == DeliveryState.SKIPPED and day3.reason == "unsubscribed"
    assert len(webhook_sink.received) == 1


def test_article_step_sends_the_tagged_article_in_the_patients_language(
    settings, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    call_command("load_followup_templates", stdout=open("/dev/null", "w"))
    publish_article(studio, people["doctor_a"], "控制血压的饮食", english_title="Eating to control blood pressure",
                    tags=["高血压"])
    plan = FollowUpPlan.objects.get(slug="hypertension")
    start = timezone.localdate() - timedelta(days=5)
    patient = add_patient(doctor, "Ms. Lee", language="en", channels={"webhook": "HIS-8"}, time_zone="Europe/London")
    enrol(plan, patient, start)

    london = ZoneInfo("Europe/London")
    assert dispatch_followups(now=at(start, 8, 30, zone=london)) == 1  # the day-0 08:00 medication reminder
    # 10:00 in Shanghai on day 1 is still night in London: nothing more is due there.
    assert dispatch_followups(now=at(start + timedelta(days=1), 10, 0)) == 0
    assert dispatch_followups(now=at(start + timedelta(days=1), 10, 1, zone=london)) == 2
    deliver_due()
    titles = sorted(hook.json()["title"] for hook in webhook_sink.received)
    assert titles == ["Eating to control blood pressure", "Morning blood pressure medicine",
                      "Morning blood pressure medicine"]


def test_missed_occurrences_are_skipped_not_sent_late(settings, studio, people, doctor, public_base, webhook_sink):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    call_command("load_followup_templates", stdout=open("/dev/null", "w"))
    plan = FollowUpPlan.objects.get(slug="post-operative")
    start = timezone.localdate() - timedelta(days=30)
    enrol(plan, add_patient(doctor, "钱女士", channels={"webhook": "HIS-9"}), start)

    dispatch_due_followups.delay()  # the beat task, run now: days 1–14 are long past, day 30 is today

    rows = {row.step.day_offset: row for row in Delivery.objects.select_related("step")}
    assert {day: row.state for day, row in rows.items() if day < 30} == {
        1: DeliveryState.SKIPPED, 3: DeliveryState.SKIPPED, 7: DeliveryState.SKIPPED, 14: DeliveryState.SKIPPED}
    assert rows[1].reason == "too late: the scheduler missed this step"
