"""An approved article sent as a campaign reaches every channel's local fake server exactly once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from distribution.campaigns.fanout import CampaignError, campaign_statistics, start_campaign
from distribution.campaigns.models import Campaign, Delivery
from distribution.campaigns.tasks import send_campaign
from tests.admin_language import admin_text
from tests.builders import add_patient, distribution_config, openid, publish_article, static_group

pytestmark = pytest.mark.django_db


def test_campaign_reaches_every_channel_once_in_each_patients_language(
    settings, studio, people, doctor, public_base, wechat_server, sms_server, smtp_server, webhook_sink
):
    settings.KEPU_DISTRIBUTION = distribution_config(
        wechat=wechat_server, sms=sms_server, smtp=smtp_server, webhook=webhook_sink
    )
    article = publish_article(
        studio, people["doctor_a"], "高血压患者的日常饮食", english_title="Eating well with high blood pressure"
    )
    zh = add_patient(
        doctor,
        "王女士",
        channels={"wechat": openid(1), "sms": "138 1234 5678", "email": "wang@example.cn", "webhook": "HIS-0001"},
    )
    en = add_patient(
        doctor,
        "Mr. Smith",
        language="en",
        channels={"wechat": openid(2), "sms": "+86 139 0000 1111", "email": "smith@example.org", "webhook": "HIS-0002"},
    )
    campaign = Campaign.objects.create(
        name="饮食",
        doctor=doctor,
        article=article,
        channels=["wechat", "sms", "email", "webhook"],
        quiet_start=None,
        quiet_end=None,
    )
    campaign.groups.add(static_group(doctor, "高血压", [zh, en]))

    send_campaign.delay(campaign.pk)
    send_campaign.delay(campaign.pk)  # a double click must not send anything twice

    campaign.refresh_from_db()
    assert campaign.state == Campaign.COMPLETED
    assert sorted(wechat_server.sent[i]["data"]["thing1"]["value"] for i in range(2)) == sorted(
        ["高血压患者的日常饮食", "Eating well with high blood pressure"[:19] + "…"]
    )
    assert len(wechat_server.send_requests) == 2
    assert sorted(sms.phone for sms in sms_server.sent) == ["+8613812345678", "+8613900001111"]
    assert any(sms.text.startswith("【科普工作室】新科普《高血压患者的日常饮食》") for sms in sms_server.sent)
    assert any(sms.text.startswith("New health article: Eating well") for sms in sms_server.sent)
    subjects = sorted(mail.message["Subject"] for mail in smtp_server.messages)
    assert len(smtp_server.messages) == 2 and "高血压患者的日常饮食" in subjects[1] + subjects[0]
    for mail in smtp_server.messages:
        assert str(mail.message["List-Unsubscribe"]).strip().startswith("<https://kp.example.cn/messages/unsubscribe/")
    assert webhook_sink.stats["accepted"] == 2
    bodies = [hook.json() for hook in webhook_sink.received]
    assert sorted(body["extra"]["patient_ref"] for body in bodies) == ["HIS-0001", "HIS-0002"]
    assert all(body["url"].startswith("https://kp.example.cn/s/") for body in bodies)
    keys = {d.key.hex for d in Delivery.objects.filter(channel="webhook")}
    assert {hook.headers["X-Kepu-Idempotency-Key"] for hook in webhook_sink.received} == keys

    stats = campaign_statistics(campaign)
    assert stats["total"] == 8 and stats["sent"] == 8 and stats["failed"] == 0 and stats["read"] == 0
    assert stats["delivered"] == 2  # webhooks confirm receipt; the others are accepted by the provider


def test_unpublished_article_cannot_be_sent(settings, studio, people, doctor):
    article = publish_article(studio, people["doctor_a"], "草稿")
    article.unpublish()
    campaign = Campaign.objects.create(name="x", doctor=doctor, article=article, channels=["sms"])
    campaign.groups.add(static_group(doctor, "g", []))
    with pytest.raises(
        CampaignError,
        match=admin_text("The article is not published yet: it can be sent once an editor has approved it."),
    ):
        start_campaign(campaign)


def test_send_campaign_command_prints_statistics(settings, studio, people, doctor, public_base, webhook_sink):
    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    article = publish_article(studio, people["doctor_a"], "术后康复")
    patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i}"}) for i in range(3)]
    refused = add_patient(doctor, "未同意", channels={"webhook": "HIS-X"}, consent=False)
    campaign = Campaign.objects.create(
        name="术后", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "术后", [*patients, refused]))

    from io import StringIO

    out = StringIO()
    call_command("send_campaign", str(campaign.pk), stdout=out)
    assert "sent=3" in out.getvalue() and "skipped=1" in out.getvalue()
    assert Delivery.objects.get(patient=refused).reason == "no consent"
    assert webhook_sink.stats["accepted"] == 3
