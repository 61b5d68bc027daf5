"""Follow-up plans: steps fall due at day offsets in the patient's time zone; unsubscribing stops the next one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import dispatch_followups
from distribution.campaigns.followup_templates import FOLLOWUP_TEMPLATES
from distribution.campaigns.models import Delivery, FollowUpEnrolment, FollowUpPlan, FollowUpStep
from distribution.campaigns.tasks import dispatch_due_followups
from distribution.delivery.states import DeliveryState
from tests.builders import add_patient, distribution_config, publish_article

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def enrol(plan: FollowUpPlan, patient, starts_on: date) -> FollowUpEnrolment:
    return FollowUpEnrolment.objects.create(
        plan=plan, patient=patient, starts_on=starts_on, attached_at=at(starts_on, 0)
    )


def test_templates_are_installed_idempotently():
    call_command("load_followup_templates", stdout=StringIO())
    call_command("load_followup_templates", stdout=StringIO())
    plans = {plan.slug: plan for plan in FollowUpPlan.objects.all()}
    assert set(plans) == {
        "hypertension",
        "type-2-diabetes",
        "coronary-heart-disease",
        "heart-failure",
        "copd",
        "stroke-rehabilitation",
        "chronic-kidney-disease",
        "post-operative",
        "pregnancy-check-ups",
        "newborn-care",
        "gout",
        "osteoporosis",
    }
    assert [step.day_offset for step in plans["post-operative"].steps.all()] == [1, 2, 3, 5, 7, 10, 14, 30]
    assert FollowUpStep.objects.count() == sum(len(template["steps"]) for template in FOLLOWUP_TEMPLATES)
    medication = FollowUpStep.objects.filter(kind="medication")
    assert medication.exists() and not any(step.respect_quiet_hours for step in medication)
    for plan in plans.values():
        assert plan.guideline and plan.icd10_codes and plan.doctor_id is None
        for step in plan.steps.all():
            if step.kind != "article":  # every message step has both languages and a text
                assert step.title_zh and step.title_en and step.text_zh and step.text_en, step
            else:
                assert step.article_tag


def test_template_reminder_pages_link_the_plans_encyclopedia_entries(client, encyclopedia, public_base):
    call_command("load_followup_templates", stdout=StringIO())
    plan = FollowUpPlan.objects.get(slug="hypertension")
    entries = plan.encyclopedia_entries("zh-hans")
    # The I10 category page, and the studio's own pages filed under I10 (e.g. hypertension in older people).
    assert entries and all("I10" in linked.code_list for linked in entries)
    entry = next(linked for linked in entries if linked.source_id == "icd10-cn:I10")
    step = plan.steps.get(day_offset=3)
    page = client.get(f"/messages/reminders/{step.public_id}/?lang=zh-hans").content.decode()
    assert "每天吃盐不超过5克" in page and entry.url in page and "中国高血压防治指南" in page
    english = client.get(f"/messages/reminders/{step.public_id}/?lang=en").content.decode()
    assert "No more than 5 g of salt a day" in english


def test_post_operative_plan_sends_each_step_once_and_unsubscribe_stops_the_next(
    settings, client, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    call_command("load_followup_templates", stdout=StringIO())
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

    assert dispatch_followups(now=at(surgery + timedelta(days=2), 9, 5)) == 1
    assert dispatch_followups(now=at(surgery + timedelta(days=3), 10, 5)) == 1
    deliver_due()
    for day in (2, 3):
        row = Delivery.objects.get(step__day_offset=day)
        assert row.state == DeliveryState.SKIPPED and row.reason == "unsubscribed"
    assert len(webhook_sink.received) == 1


def test_article_step_sends_the_tagged_article_in_the_patients_language(
    settings, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    publish_article(
        studio, people["doctor_a"], "控制血压的饮食", english_title="Eating to control blood pressure", tags=["高血压"]
    )
    plan = FollowUpPlan.objects.create(name="高血压", slug="bp-test", channels=["webhook"])
    FollowUpStep.objects.create(plan=plan, kind="article", day_offset=1, send_time=time(10, 0), article_tag="高血压")
    FollowUpStep.objects.create(
        plan=plan,
        kind="medication",
        day_offset=0,
        repeat_until_day=29,
        send_time=time(8, 0),
        title_zh="早晨降压药提醒",
        title_en="Morning blood pressure medicine",
        respect_quiet_hours=False,
    )
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
    assert titles == [
        "Eating to control blood pressure",
        "Morning blood pressure medicine",
        "Morning blood pressure medicine",
    ]


def test_missed_occurrences_are_skipped_not_sent_late(settings, studio, people, doctor, public_base, webhook_sink):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    call_command("load_followup_templates", stdout=StringIO())
    plan = FollowUpPlan.objects.get(slug="post-operative")
    start = timezone.localdate() - timedelta(days=30)
    enrol(plan, add_patient(doctor, "钱女士", channels={"webhook": "HIS-9"}), start)

    dispatch_due_followups.delay()  # the beat task, run now: days 1–14 are long past, day 30 is today

    rows = {row.step.day_offset: row for row in Delivery.objects.select_related("step")}
    assert {day: row.state for day, row in rows.items() if day < 30} == {
        day: DeliveryState.SKIPPED for day in (1, 2, 3, 5, 7, 10, 14)
    }
    assert rows[1].reason == "too late: the scheduler missed this step"
