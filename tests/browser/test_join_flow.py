"""Scan to join (扫码报到) in headless Chromium on a 390×844 phone in zh-Hans.

The patient opens the join link, types a mobile number, reads the one-time code that reached the local
SMS server, consents and joins, and the welcome message ends "delivered" when the phone's status report comes in;
then does it all again (nothing doubles), and finally uses the
stop-and-delete link, which removes the contact data.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from distribution.campaigns.models import Delivery, FollowUpEnrolment, FollowUpPlan, FollowUpStep
from distribution.delivery.states import DeliveryState
from distribution.joining.models import Erasure, Invitation
from distribution.patients.models import ContactPoint, Patient, PatientGroup
from tests.builders import PUBLIC_BASE, join_config

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fill_and_join(phone, live_server, invitation, sms_server, screenshots, suffix: str):
    response = phone.goto(f"{live_server.url}{invitation.join_path()}", wait_until="load")
    assert response.status == 200
    assert phone.get_attribute("html", "lang") == "zh-Hans"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator("body script:not([src])").count() == 0  # nothing inline in the page body
    phone.fill("#id_display_name", "王阿姨")
    phone.fill("#id_mobile", "138 0013 8000")
    phone.get_by_label("高血压").check()
    phone.check("#id_consent")
    phone.check("#id_health_data_consent")
    if suffix == "first":
        phone.screenshot(path=str(screenshots / "join-form-zh.png"), full_page=True)
    sent_before = len(sms_server.sent)
    phone.click("button.join-submit")
    phone.wait_for_selector("#id_code")
    assert len(sms_server.sent) == sent_before + 1
    code = sms_server.sent[-1].params[0]
    assert sms_server.sent[-1].phone == "+8613800138000" and sms_server.sent[-1].template_id == "1760003"
    phone.fill("#id_code", code)
    if suffix == "first":
        phone.screenshot(path=str(screenshots / "join-code-zh.png"), full_page=True)
    phone.click("button.join-submit")
    phone.wait_for_selector("[data-leave-link]")
    assert "/joined/" in phone.url
    phone.screenshot(path=str(screenshots / f"join-done-{suffix}-zh.png"), full_page=True)


def test_scan_to_join_on_a_phone(phone, live_server, sample_site, screenshots, settings, sms_server, wechat_server):
    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    settings.KEPU_DISTRIBUTION = join_config(sms=sms_server, wechat=wechat_server)
    doctor = sample_site.doctor
    group = PatientGroup.objects.create(doctor=doctor, name="门诊高血压", kind=PatientGroup.STATIC)
    plan = FollowUpPlan.objects.create(
        name="高血压随访", slug="htn-browser", doctor=doctor, channels=["sms"], quiet_start=None, quiet_end=None
    )
    FollowUpStep.objects.create(
        plan=plan, kind=FollowUpStep.REMINDER, day_offset=7, title_zh="量血压", title_en="Check"
    )
    invitation = Invitation.objects.create(
        doctor=doctor, name="高血压随访", group=group, plan=plan, keywords="高血压, 糖尿病", frequency_zh="每周约1条"
    )

    fill_and_join(phone, live_server, invitation, sms_server, screenshots, "first")
    patient = Patient.objects.get()
    assert group.members.filter(pk=patient.pk).exists()
    assert FollowUpEnrolment.objects.get(patient=patient).plan == plan
    welcome = Delivery.objects.get(patient=patient)
    assert welcome.state == DeliveryState.SENT  # accepted by the provider; the phone has not reported yet
    sms_server.report(welcome.provider_message_id)  # the handset's status report reaches Tencent Cloud
    call_command("poll_receipts", stdout=StringIO())  # what beat runs every minute (no callback address set)
    welcome.refresh_from_db()
    assert welcome.state == DeliveryState.DELIVERED and welcome.receipt_at is not None
    assert welcome.article.title == "高血压患者怎样吃得更健康"
    assert any(
        message.template_id == "1760001" and "高血压患者怎样吃得更健康" in message.text for message in sms_server.sent
    )

    # The same patient scans again on another visit (a fresh browser session): nothing is duplicated.
    phone.context.clear_cookies()
    fill_and_join(phone, live_server, invitation, sms_server, screenshots, "again")
    assert Patient.objects.count() == 1 and ContactPoint.objects.count() == 1
    assert Delivery.objects.count() == 1 and FollowUpEnrolment.objects.count() == 1
    assert group.members.count() == 1

    # The doctor's homepage shows a general code's QR and links to its join page.
    general = Invitation.objects.create(doctor=doctor, name="门诊扫码报到")
    phone.goto(f"{live_server.url}/doctors/{doctor.slug}/", wait_until="load")
    qr = phone.locator(".join-panel svg").bounding_box()
    assert qr["width"] >= 150 and qr["x"] + qr["width"] <= 390
    assert phone.locator(f'.join-panel a[href="{general.join_path()}"]').count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(screenshots / "doctor-homepage-join-zh.png"), full_page=True)
    phone.go_back(wait_until="load")

    # Stop and delete.
    phone.click("[data-leave-link]")
    phone.wait_for_selector("form.join-form--danger")
    phone.screenshot(path=str(screenshots / "join-leave-zh.png"), full_page=True)
    phone.click("form.join-form--danger button")
    phone.wait_for_load_state("load")
    phone.screenshot(path=str(screenshots / "join-left-zh.png"), full_page=True)
    assert not ContactPoint.objects.exists() and not Patient.objects.exists()
    assert Erasure.objects.get().channel == "sms"
