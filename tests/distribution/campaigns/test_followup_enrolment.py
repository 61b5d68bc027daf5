"""Enrolling a whole group or a CSV selection in a follow-up plan (once per patient), pausing, resuming
and ending enrolments, and each patient's upcoming steps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import dispatch_followups
from distribution.campaigns.models import Delivery, FollowUpEnrolment, FollowUpPlan
from tests.builders import add_patient, distribution_config, static_group

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def plan(studio):
    call_command("load_followup_templates", stdout=StringIO())
    return FollowUpPlan.objects.get(slug="post-operative")


def enrol_url(plan) -> str:
    return reverse("followup_plan_enrol", args=[plan.pk])


def test_enrolling_a_group_twice_enrols_each_patient_once(client, people, doctor, plan):
    patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i}"}) for i in range(3)]
    group = static_group(doctor, "术后", patients)
    client.force_login(people["doctor_a"])
    assert client.get(enrol_url(plan)).status_code == 200
    day0 = timezone.localdate().isoformat()
    response = client.post(enrol_url(plan), {"group": group.pk, "starts_on": day0}, follow=True)
    assert response.status_code == 200
    assert FollowUpEnrolment.objects.filter(plan=plan).count() == 3
    again = client.post(enrol_url(plan), {"group": group.pk, "starts_on": day0}, follow=True)
    assert FollowUpEnrolment.objects.filter(plan=plan).count() == 3
    [message] = [str(m) for m in again.context["messages"]]
    assert "0" in message and "3" in message


def test_a_doctor_cannot_enrol_another_doctors_group(client, people, doctor, plan):
    group = static_group(doctor, "术后", [add_patient(doctor, "甲", channels={"webhook": "HIS-1"})])
    client.force_login(people["doctor_b"])
    client.post(enrol_url(plan), {"group": group.pk, "starts_on": timezone.localdate().isoformat()})
    assert not FollowUpEnrolment.objects.exists()


def test_csv_selection_enrols_the_named_patients_and_reports_lines_it_could_not_match(client, people, doctor, plan):
    first = add_patient(doctor, "甲", channels={"webhook": "HIS-0001"})
    second = add_patient(
        doctor, "乙", channels={"sms": "+8613812345678"}
    )  # stored normalised, as the admin and import do
    third = add_patient(doctor, "丙", channels={"email": "c@example.cn"})
    add_patient(doctor, "丁", channels={"webhook": "HIS-0004"})  # not in the file
    csv_text = f"his_id,手机号,patient\nHIS-0001,,\n,13812345678,\n,,{third.pk}\nHIS-9999,,\n".encode("gb18030")
    client.force_login(people["editor"])
    response = client.post(
        enrol_url(plan),
        {
            "selection": SimpleUploadedFile("selection.csv", csv_text, content_type="text/csv"),
            "starts_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert response.status_code == 200
    enrolled = set(FollowUpEnrolment.objects.filter(plan=plan).values_list("patient_id", flat=True))
    assert enrolled == {first.pk, second.pk, third.pk}
    [message] = [str(m) for m in response.context["messages"]]
    assert "5" in message and "HIS-9999" not in message  # lines are reported by number, never by value


def test_csv_without_an_identifying_column_is_refused(client, people, plan):
    client.force_login(people["editor"])
    response = client.post(
        enrol_url(plan),
        {
            "selection": SimpleUploadedFile("x.csv", b"name\nWang\n", content_type="text/csv"),
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200 and not FollowUpEnrolment.objects.exists()


def test_pause_resume_and_end(settings, client, people, doctor, plan, public_base, webhook_sink):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    patient = add_patient(doctor, "赵先生", channels={"webhook": "HIS-77"})
    start = timezone.localdate() - timedelta(days=10)
    enrolment = FollowUpEnrolment.objects.create(plan=plan, patient=patient, starts_on=start, attached_at=at(start, 0))
    page_url = reverse("patient_followups", args=[patient.pk])
    client.force_login(people["doctor_a"])

    page = client.get(page_url).content.decode()
    assert "术后两周复查" in page  # the day 14 step is still to come

    client.post(page_url, {"enrolment": enrolment.pk, "action": "pause"})
    enrolment.refresh_from_db()
    assert enrolment.status == FollowUpEnrolment.PAUSED
    assert "术后两周复查" not in client.get(page_url).content.decode()  # nothing upcoming while paused
    client.post(page_url, {"enrolment": enrolment.pk, "action": "resume"})
    enrolment.refresh_from_db()
    assert enrolment.status == FollowUpEnrolment.ACTIVE and enrolment.resumed_at is not None

    # Paused on day 1 before the 09:00 step, resumed at noon: that step is never sent, day 2's is.
    assert enrolment.change_status(FollowUpEnrolment.PAUSED, now=at(start + timedelta(days=1), 8, 0))
    assert dispatch_followups(now=at(start + timedelta(days=1), 9, 5)) == 0
    assert enrolment.change_status(FollowUpEnrolment.ACTIVE, now=at(start + timedelta(days=1), 12, 0))
    assert dispatch_followups(now=at(start + timedelta(days=1), 12, 5)) == 0
    assert dispatch_followups(now=at(start + timedelta(days=2), 9, 5)) == 1
    deliver_due()
    [hook] = webhook_sink.received
    assert hook.json()["title"] == "早下床、多活动"

    client.post(page_url, {"enrolment": enrolment.pk, "action": "end"})
    enrolment.refresh_from_db()
    assert enrolment.status == FollowUpEnrolment.ENDED
    rows = Delivery.objects.count()
    assert dispatch_followups(now=at(start + timedelta(days=30), 9, 5)) == 0
    assert Delivery.objects.count() == rows
    client.post(page_url, {"enrolment": enrolment.pk, "action": "resume"})  # ended is final
    enrolment.refresh_from_db()
    assert enrolment.status == FollowUpEnrolment.ENDED


def test_another_doctor_cannot_see_or_change_the_schedule(client, people, doctor, plan):
    patient = add_patient(doctor, "赵先生", channels={"webhook": "HIS-77"})
    enrolment = FollowUpEnrolment.objects.create(plan=plan, patient=patient, starts_on=timezone.localdate())
    client.force_login(people["doctor_b"])
    url = reverse("patient_followups", args=[patient.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"enrolment": enrolment.pk, "action": "end"}).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == FollowUpEnrolment.ACTIVE
