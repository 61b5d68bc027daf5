"""Delivery receipts through their public entry points: WeChat pushes, SMS status callbacks and pulls, beat.

WeChat pushes are signed and (in safe mode) encrypted by wechatpy; the SMS pull
request is compared field by field with the one Tencent Cloud's own SDK makes.
"""

from __future__ import annotations

import base64
import random
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient
from wechatpy.crypto import PrpCrypto, WeChatCrypto, _get_signature

from distribution.campaigns.models import Campaign, Delivery, DeliveryReceipt, WeChatMassSend
from distribution.campaigns.receipts import apply_pending_receipts
from distribution.campaigns.tasks import poll_delivery_receipts, send_campaign
from distribution.channels import SmsConfig
from distribution.channels.base import build_http_session
from distribution.channels.sms_receipts import pull_request_body, pull_sms_send_status
from distribution.channels.wechat_push import PushRejected, decrypt_push, push_signature
from distribution.delivery.states import DeliveryState
from tests.builders import add_patient, default_site_id, distribution_config, openid, publish_article, static_group
from tests.fakes.wechat_push import mass_finished, signed_push, subscribe_sent, template_finished

pytestmark = pytest.mark.django_db


PUSH_TOKEN = "kepuPushToken2026"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters, as the console shows
SMS_KEY = "status-report-key-0123456789"


@pytest.fixture
def sent_campaign(settings, studio, people, doctor, public_base, wechat_server, sms_server):
    """A campaign sent to two patients on WeChat and SMS; receipts configured for both."""
    config = distribution_config(wechat=wechat_server, sms=sms_server)
    config["channels"]["wechat"].update(push_token=PUSH_TOKEN, encoding_aes_key=AES_KEY)
    settings.KEPU_DISTRIBUTION = config
    article = publish_article(studio, people["doctor_a"], "高血压患者的日常饮食")
    patients = [
        add_patient(doctor, f"患者{n}", channels={"wechat": openid(n), "sms": f"138 0013 800{n}"}) for n in (1, 2)
    ]
    campaign = Campaign.objects.create(
        name="饮食", doctor=doctor, article=article, channels=["wechat", "sms"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "高血压", patients))
    send_campaign.delay(campaign.pk)
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 4
    return campaign


def wechat_row(n: int) -> Delivery:
    return Delivery.objects.get(channel="wechat", patient__display_name=f"患者{n}")


def push(client, xml: str, *, app_id: str = "", aes: bool = False, token: str = PUSH_TOKEN, timestamp=None):
    query, body = signed_push(xml, token, app_id=app_id, encoding_aes_key=AES_KEY if aes else "", timestamp=timestamp)
    return client.post(
        f"{reverse('campaigns:wechat_push', args=[default_site_id()])}?{query}", body, content_type="text/xml"
    )


def test_template_receipts_move_rows_idempotently_and_show_in_the_report(client, sent_campaign, people):
    first, second = wechat_row(1), wechat_row(2)
    now = int(time.time())
    assert push(client, template_finished(openid(1), first.provider_message_id, created=now)).content == b"success"
    push(client, template_finished(openid(2), second.provider_message_id, "failed:user block", created=now))
    push(client, template_finished(openid(2), second.provider_message_id, "failed:user block", created=now))  # twice
    # An older report arriving late (out of order) does not undo the newer one.
    push(client, template_finished(openid(1), first.provider_message_id, "failed: system failed", created=now - 60))
    answer = push(client, template_finished(openid(9), "999999", created=now))  # a message the studio never sent
    assert answer.status_code == 200 and answer.content == b"success"

    first.refresh_from_db(), second.refresh_from_db()
    assert first.state == DeliveryState.DELIVERED and first.reason == ""
    assert (
        second.state == DeliveryState.UNDELIVERED and second.reason == "the patient blocked messages from the account"
    )
    assert DeliveryReceipt.objects.filter(provider_message_id="999999", applied_at__isnull=True).exists()

    client.force_login(people["doctor_a"])
    report = client.get(reverse("campaign_report", args=[sent_campaign.pk])).content.decode()
    assert 'data-stat="delivered">1<' in report and 'data-stat="undelivered">1<' in report
    assert 'data-stat="sent">4<' in report  # still counted as accepted by the provider
    assert "the patient blocked messages from the account" in report


def test_safe_mode_push_encrypted_by_wechatpy_is_decrypted(client, sent_campaign, wechat_server):
    row = wechat_row(1)
    answer = push(client, template_finished(openid(1), row.provider_message_id), app_id=wechat_server.app_id, aes=True)
    assert answer.status_code == 200
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED

    other_account = push(
        client, template_finished(openid(2), wechat_row(2).provider_message_id), app_id="wx-someone-else", aes=True
    )
    assert other_account.status_code == 403
    assert wechat_row(2).state == DeliveryState.SENT


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("signature", 403),
        ("stale", 403),
        ("token", 403),
        ("xml", 400),
        ("doctype", 400),
        ("msg_signature", 403),
    ],
)
def test_forged_or_broken_pushes_are_refused_without_a_500(client, sent_campaign, wechat_server, change, status):
    xml = template_finished(openid(1), wechat_row(1).provider_message_id)
    url = reverse("campaigns:wechat_push", args=[default_site_id()])
    if change == "signature":
        query, body = signed_push(xml, PUSH_TOKEN)
        query = query.replace("signature=", "signature=0")
    elif change == "stale":
        query, body = signed_push(xml, PUSH_TOKEN, timestamp=int(time.time()) - 3600)
    elif change == "token":
        query, body = signed_push(xml, "another-token")
    elif change == "xml":
        query, body = signed_push("<xml><Event>TEMPLATESENDJOBFINISH", PUSH_TOKEN)
    elif change == "doctype":
        query, body = signed_push('<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Event>&a;</Event></xml>', PUSH_TOKEN)
    else:
        query, body = signed_push(xml, PUSH_TOKEN, app_id=wechat_server.app_id, encoding_aes_key=AES_KEY)
        query = query.replace("msg_signature=", "msg_signature=0")
    answer = client.post(f"{url}?{query}", body, content_type="text/xml")
    assert answer.status_code == status
    assert wechat_row(1).state == DeliveryState.SENT


def test_address_check_echoes_echostr_only_when_signed(client, sent_campaign):
    query, _body = signed_push("", PUSH_TOKEN)
    url = reverse("campaigns:wechat_push", args=[default_site_id()])
    assert client.get(f"{url}?{query}&echostr=4711").content == b"4711"
    assert client.get(f"{url}?{query.replace('signature=', 'signature=f')}&echostr=4711").status_code == 403


def test_our_decryption_matches_wechatpy_field_by_field(wechat_server):
    message = template_finished(openid(1), 2000000001)
    envelope = WeChatCrypto(PUSH_TOKEN, AES_KEY, wechat_server.app_id).encrypt_message(message, "nonce1", "1700000000")
    encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]

    ours = decrypt_push(AES_KEY, encrypted)
    key = base64.b64decode(AES_KEY + "=")
    assert ours.message == PrpCrypto(key).decrypt(encrypted, wechat_server.app_id) == message
    assert ours.app_id == wechat_server.app_id and len(ours.random) == 16
    assert push_signature(PUSH_TOKEN, "1700000000", "nonce1", encrypted) == signature
    assert push_signature(PUSH_TOKEN, "1700000000", "nonce1", encrypted) == _get_signature(
        PUSH_TOKEN, "1700000000", "nonce1", encrypted
    )
    tampered = base64.b64encode(bytes(byte ^ 1 for byte in base64.b64decode(encrypted))).decode()
    with pytest.raises(PushRejected):
        decrypt_push(AES_KEY, tampered)


def test_subscribe_message_receipts_in_one_push(client, settings, sent_campaign):
    first, second = wechat_row(1), wechat_row(2)
    xml = subscribe_sent(
        openid(1),
        [
            ("tmpl-1", first.provider_message_id, 0, "success"),
            ("tmpl-1", second.provider_message_id, 20001, "Failed: system failed"),
        ],
    )
    assert push(client, xml).status_code == 200
    first.refresh_from_db(), second.refresh_from_db()
    assert first.state == DeliveryState.DELIVERED
    assert second.state == DeliveryState.UNDELIVERED and "system failure" in second.reason


def test_a_receipt_before_its_send_was_recorded_is_applied_by_beat(client, sent_campaign):
    row = wechat_row(1)
    msgid = row.provider_message_id
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENDING, provider_message_id="")  # not yet written
    push(client, template_finished(openid(1), msgid))
    assert DeliveryReceipt.objects.get(provider_message_id=msgid).applied_at is None

    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENT, provider_message_id=msgid)  # the commit lands
    assert "1 message(s) updated" in poll_delivery_receipts.delay().get()
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED
    assert apply_pending_receipts().applied == 0  # nothing left, nothing moved twice


def test_sms_status_callback(client, settings, sent_campaign, sms_server):
    settings.KEPU_DISTRIBUTION["channels"]["sms"]["callback_token"] = SMS_KEY
    ok, failed = sms_server.sent[0], sms_server.sent[1]
    reports = [
        sms_server.report(ok.serial_no),
        sms_server.report(failed.serial_no, delivered=False, code="MK:0005", description="用户手机关机"),
    ]
    url = reverse("campaigns:sms_status_callback", args=[default_site_id(), SMS_KEY])
    answer = client.post(url, reports, content_type="application/json")
    assert answer.json() == {"result": 0, "errmsg": "OK"}
    client.post(url, reports, content_type="application/json")  # Tencent may report twice
    rows = {row.provider_message_id: row for row in Delivery.objects.filter(channel="sms")}
    assert rows[ok.serial_no].state == DeliveryState.DELIVERED
    assert rows[failed.serial_no].state == DeliveryState.UNDELIVERED
    assert "MK:0005" in rows[failed.serial_no].reason and failed.phone[3:] not in rows[failed.serial_no].reason

    wrong = reverse("campaigns:sms_status_callback", args=[default_site_id(), "not-the-key-0123456789"])
    assert client.post(wrong, reports, content_type="application/json").status_code == 404
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert client.get(url).status_code == 405


def test_sms_reports_are_pulled_when_no_callback_address_is_set(settings, sent_campaign, sms_server):
    for sms in sms_server.sent:
        sms_server.report(sms.serial_no)
    call_command("poll_receipts")
    assert sms_server.pulls == [{"Limit": 100, "SmsSdkAppId": sms_server.sdk_app_id}]
    assert Delivery.objects.filter(channel="sms", state=DeliveryState.DELIVERED).count() == 2
    call_command("poll_receipts")  # each report is handed out once; the next pull finds none
    assert len(sms_server.pulls) == 2

    settings.KEPU_DISTRIBUTION["channels"]["sms"]["callback_token"] = SMS_KEY
    call_command("poll_receipts")  # with a callback address Tencent pushes instead: no pull
    assert len(sms_server.pulls) == 2


@pytest.mark.django_db(False)
def test_pull_request_matches_the_tencent_cloud_sdk(sms_server):
    """The SDK's PullSmsSendStatus and ours carry the same body, and both signatures verify at the fake."""
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=f"127.0.0.1:{sms_server.port}"))
    client = SmsClient(credential.Credential(sms_server.secret_id, sms_server.secret_key), "ap-guangzhou", profile)
    request = sms_models.PullSmsSendStatusRequest()
    request.Limit, request.SmsSdkAppId = 100, sms_server.sdk_app_id
    client.PullSmsSendStatus(request)
    config = SmsConfig(
        secret_id=sms_server.secret_id,
        secret_key=sms_server.secret_key,
        sdk_app_id=sms_server.sdk_app_id,
        templates={
            "zh-hans": {"template_id": "1760001", "text": sms_server.templates["1760001"], "params": ["title", "url"]}
        },
        api_base=sms_server.base_url,
    )
    pull_sms_send_status(config, build_http_session(config.http), clock=time.time)
    sdk, ours = sms_server.requests[-2], sms_server.requests[-1]
    assert sdk["signature_ok"] and ours["signature_ok"]
    assert sdk["body"] == ours["body"] == pull_request_body(config)
    for header in ("X-TC-Action", "X-TC-Version", "X-TC-Region"):
        assert sdk["headers"][header] == ours["headers"][header]


def test_mass_send_command_and_its_report(client, settings, people, sent_campaign, wechat_server):
    wechat_server.tags[101] = {openid(1), openid(2)}
    call_command("wechat_mass_send", str(sent_campaign.pk), "--tag", "101")
    call_command("wechat_mass_send", str(sent_campaign.pk), "--tag", "101")  # again: the same job
    job = WeChatMassSend.objects.get()
    assert len(wechat_server.mass_jobs) == 1 and job.msg_id == str(wechat_server.mass_jobs[0]["msg_id"])
    assert wechat_server.mass_jobs[0]["text"].startswith("高血压患者的日常饮食\nhttps://kp.example.cn/s/")

    push(client, mass_finished(job.msg_id, total=2, sent=1, errors=1))
    job.refresh_from_db()
    assert (job.state, job.total_count, job.sent_count, job.error_count) == (WeChatMassSend.FINISHED, 2, 1, 1)
    client.force_login(people["doctor_a"])
    report = client.get(reverse("campaign_report", args=[sent_campaign.pk])).content.decode()
    assert 'data-mass-send="101"' in report


def test_junk_at_the_receipt_addresses_never_gets_a_server_error(client, settings, sent_campaign):
    settings.KEPU_DISTRIBUTION["channels"]["sms"]["callback_token"] = SMS_KEY
    rng = random.Random(12)
    bodies = [
        b"",
        b"\xff\xfe" * 20,
        b"<xml>",
        b"{",
        b"[]",
        b"[1, 2]",
        b'[{"sid": 5}]',
        b'{"sid": null}',
        b"null",
        b"<a>" * 20000,
        b"[" * 20000,
        b'[{"sid": "'
        + b"9" * 500
        + b'", "report_status": "FAIL", "errmsg": "'
        + b"x" * 900
        + b'", "user_receive_time": "not a time"}]',
        b"<xml><Event>TEMPLATESENDJOBFINISH</Event><MsgID></MsgID><CreateTime>1e99</CreateTime></xml>",
        b"<xml><Event>subscribe_msg_sent_event</Event><SubscribeMsgSentEvent>x</SubscribeMsgSentEvent></xml>",
        b"<xml><Event>MASSSENDJOBFINISH</Event><MsgID>1</MsgID><TotalCount>-3</TotalCount></xml>",
        b"<xml><Encrypt>!!!</Encrypt></xml>",
        b"<xml><Encrypt>" + base64.b64encode(b"x" * 48) + b"</Encrypt></xml>",
    ]
    bodies += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) for _ in range(10)]
    wechat = reverse("campaigns:wechat_push", args=[default_site_id()])
    sms = reverse("campaigns:sms_status_callback", args=[default_site_id(), SMS_KEY])
    statuses = []
    for body in bodies:
        query, _ = signed_push("", PUSH_TOKEN)
        for suffix in ("", "&encrypt_type=aes&msg_signature=00", "&timestamp=abc"):
            statuses.append(client.post(f"{wechat}?{query}{suffix}", body, content_type="text/xml").status_code)
        statuses.append(client.post(sms, body, content_type="application/json").status_code)
    assert max(statuses) < 500
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 4  # no junk moved a message


def test_a_failing_pull_is_reported_and_nothing_is_lost(settings, sent_campaign, sms_server, capsys):
    sms_server.report(sms_server.sent[0].serial_no)
    settings.KEPU_DISTRIBUTION["channels"]["sms"]["secret_key"] = "a-wrong-secret-key"
    call_command("poll_receipts")
    printed = capsys.readouterr().out
    assert "PullSmsSendStatus failed" in printed and "AuthFailure.SignatureFailure" in printed
    settings.KEPU_DISTRIBUTION["channels"]["sms"]["secret_key"] = sms_server.secret_key
    call_command("poll_receipts")  # the report was not handed out by the failed pull: it comes now
    assert Delivery.objects.filter(channel="sms", state=DeliveryState.DELIVERED).count() == 1
