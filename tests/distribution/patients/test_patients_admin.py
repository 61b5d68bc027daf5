"""Patient admin: doctors see only their own patients, editors all; addresses are masked in lists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from distribution.campaigns.models import Campaign, Delivery
from distribution.delivery.states import DeliveryState
from tests.admin_language import admin_text
from tests.builders import add_patient, openid, publish_article, static_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_doctors_patients(people):
    mine = add_patient(
        people["doctor_a"].doctor_profile, "王女士", channels={"sms": "13812345678", "wechat": openid(7)}
    )
    theirs = add_patient(people["doctor_b"].doctor_profile, "Mrs. Brown", channels={"email": "brown@example.org"})
    return mine, theirs


def test_doctor_lists_only_own_patients_with_masked_addresses(client, people, two_doctors_patients):
    mine, theirs = two_doctors_patients
    client.force_login(people["doctor_a"])
    page = client.get(reverse("patients:index")).content.decode()
    assert "王女士" in page and "Mrs. Brown" not in page
    assert "138****5678" in page and "13812345678" not in page and openid(7) not in page
    assert client.get(reverse("patients:edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("patients:edit", args=[mine.pk])).status_code == 200


def test_editor_sees_every_doctors_patients(client, people, two_doctors_patients):
    client.force_login(people["editor"])
    page = client.get(reverse("patients:index")).content.decode()
    assert "王女士" in page and "Mrs. Brown" in page and "b***@e***.org" in page


def test_outsider_has_no_access(client, people, two_doctors_patients):
    client.force_login(people["outsider"])
    assert client.get(reverse("patients:index")).status_code in (302, 403)


def test_doctor_creates_a_patient_for_themselves_only(client, people):
    client.force_login(people["doctor_a"])
    form = client.get(reverse("patients:add")).content.decode()
    assert "张医生" in form and "Dr. Brown" not in form


def test_csv_upload_view_reports_errors_by_line(client, people, django_capture_on_commit_callbacks):
    client.force_login(people["doctor_a"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.csv", "姓名,手机号\n张三,12345\n".encode("gbk"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the import job runs once the upload is committed
        response = client.post(reverse("patients_import_csv"), {"file": upload})
    page = client.get(response["Location"]).content.decode()
    # The report is in the admin's language, the column named as a person calls it, the value never repeated.
    summary = admin_text("Nothing imported: %(problems)d problem(s) in %(rows)d row(s).", problems=1, rows=1)
    problem = admin_text("not a mainland China mobile number (11 digits starting with 13–19, optional +86)")
    assert summary in page and problem in page and f"<td>{admin_text('mobile number')}</td>" in page
    assert "12345" not in page


def test_admin_retry_action_requeues_dead_messages(client, settings, studio, people, webhook_sink):
    from tests.builders import distribution_config

    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    doctor = people["doctor_a"].doctor_profile
    patient = add_patient(doctor, "患者", channels={"webhook": "HIS-1"})
    campaign = Campaign.objects.create(
        name="c",
        doctor=doctor,
        article=publish_article(studio, people["doctor_a"], "t"),
        channels=["webhook"],
        quiet_start=None,
        quiet_end=None,
    )
    campaign.groups.add(static_group(doctor, "g", [patient]))
    client.force_login(people["doctor_a"])
    client.post(reverse("campaign_start", args=[campaign.pk]))
    Delivery.objects.update(state=DeliveryState.DEAD, reason="gave up")
    report = client.get(reverse("campaign_report", args=[campaign.pk])).content.decode()
    assert "gave up" in report

    client.post(reverse("campaign_retry_failed", args=[campaign.pk]))
    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    client.force_login(people["doctor_b"])
    assert client.get(reverse("campaign_report", args=[campaign.pk])).status_code == 404
