"""Unsubscribe links: token-only URLs, a confirmation in the patient's language, honoured at once."""

from __future__ import annotations

import pytest
from django.db.models import Q

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import start_campaign
from distribution.campaigns.models import Campaign, Delivery
from distribution.delivery.states import DeliveryState
from tests.builders import add_patient, distribution_config, publish_article, static_group

pytestmark = pytest.mark.django_db


def test_unsubscribe_page_asks_then_confirms_in_the_patients_language(client, people, doctor):
    patient = add_patient(doctor, "Mr. Smith", language="en", channels={"email": "smith@example.org"})
    contact = patient.contacts.get()
    path = contact.unsubscribe_url().split("//", 1)[1].split("/", 1)[1]
    assert "smith" not in path.lower() and "example" not in path

    page = client.get("/" + path)
    assert page.status_code == 200 and b"Stop receiving health articles" in page.content
    contact.refresh_from_db()
    assert contact.unsubscribed_at is None  # a link scanner's GET changes nothing

    done = client.post("/" + path)
    assert b"You will no longer receive our e-mails" in done.content
    contact.refresh_from_db()
    assert contact.unsubscribed_at is not None
    assert b"already unsubscribed" in client.get("/" + path).content


def test_chinese_patient_gets_a_chinese_page(client, people, doctor):
    patient = add_patient(doctor, "王女士", channels={"sms": "13812345678"})
    path = "/" + patient.contacts.get().unsubscribe_url().split("//", 1)[1].split("/", 1)[1]
    assert "确定不再通过短信接收" in client.get(path).content.decode()
    assert "您将不再通过短信收到我们的消息" in client.post(path).content.decode()


def test_unknown_token_is_not_found(client, db):
    assert client.get("/messages/unsubscribe/not-a-real-token/").status_code == 404


def test_unsubscribing_between_fan_out_and_send_skips_that_contact_only(
    settings, client, studio, people, doctor, public_base, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    stays = add_patient(doctor, "留下", channels={"webhook": "HIS-1", "email": "stay@example.cn"})
    leaves = add_patient(doctor, "退订", channels={"webhook": "HIS-2", "email": "leave@example.cn"})
    article = publish_article(studio, people["doctor_a"], "春季过敏")
    campaign = Campaign.objects.create(
        name="过敏", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "all", [stays, leaves]))
    start_campaign(campaign)
    webhook_contact = leaves.contacts.get(channel="webhook")
    client.post(webhook_contact.unsubscribe_url().removeprefix(public_base))
    deliver_due(scope=Q(campaign=campaign))

    skipped = Delivery.objects.get(patient=leaves)
    assert skipped.state == DeliveryState.SKIPPED and skipped.reason == "unsubscribed"
    assert Delivery.objects.get(patient=stays).state == DeliveryState.DELIVERED
    assert [hook.json()["extra"]["patient_ref"] for hook in webhook_sink.received] == ["HIS-1"]
    assert leaves.contacts.get(channel="email").unsubscribed_at is None  # per channel
