"""The scan-to-join welcome message ends "delivered" when Tencent Cloud reports it reached the phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from distribution.campaigns.models import Delivery
from distribution.delivery.states import DeliveryState
from tests.builders import default_site_id
from tests.distribution.joining.join_form import join_by_sms

pytestmark = pytest.mark.django_db

KEY = "welcome-report-key-0123456789"


def test_welcome_message_is_delivered_when_the_status_report_arrives(
    client, settings, joining, django_capture_on_commit_callbacks
):
    settings.KEPU_DISTRIBUTION["channels"]["sms"]["callback_token"] = KEY
    sms = joining["sms"]
    assert join_by_sms(client, joining["invitation"], sms, django_capture_on_commit_callbacks).status_code == 302
    welcome = Delivery.objects.get()
    assert welcome.state == DeliveryState.SENT and welcome.step_key.startswith("welcome:")

    report = sms.report(welcome.provider_message_id)
    answer = client.post(
        reverse("campaigns:sms_status_callback", args=[default_site_id(), KEY]),
        [report],
        content_type="application/json",
    )
    assert answer.json()["result"] == 0
    welcome.refresh_from_db()
    assert welcome.state == DeliveryState.DELIVERED and welcome.receipt_at is not None
