"""The join page through the HTTP client: codes, one-time SMS codes, limits, idempotency, WeChat OAuth, leaving."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from distribution.campaigns.models import Delivery, FollowUpEnrolment
from distribution.delivery.states import DeliveryState
from distribution.joining.models import Erasure, Invitation, JoinConsent
from distribution.patients.models import ContactPoint, Patient
from tests.distribution.joining.join_form import form, join_by_sms, last_code

pytestmark = pytest.mark.django_db

E164 = "+8613800138000"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)


def test_join_by_sms_makes_one_patient_in_group_plan_and_ledger(
    client, joining, caplog, django_capture_on_commit_callbacks
):
    invitation, sms = joining["invitation"], joining["sms"]
    page = client.get(invitation.join_path())
    assert page.status_code == 200
    text = page.content.decode()
    assert "高血压随访" in text and "每周约1条" in text and "2026-12-01" in text
    assert "<script>" not in text.split("</head>")[1]  # no inline script in the body of the page
    caplog.set_level(logging.DEBUG)
    response = join_by_sms(client, invitation, sms, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and "/joined/" in response["Location"]
    code_sms = sms.sent[0]
    assert code_sms.phone == E164 and code_sms.template_id == "1760003"
    assert code_sms.text.startswith("【科普工作室】验证码") and code_sms.params[0].isdigit()

    patient = Patient.objects.get()
    assert patient.display_name == "王阿姨" and patient.doctor == joining["doctor"]
    assert [tag.name for tag in patient.tags.all()] == ["高血压"]
    assert joining["group"].members.filter(pk=patient.pk).exists()
    enrolment = FollowUpEnrolment.objects.get(patient=patient)
    assert enrolment.plan == joining["plan"] and enrolment.starts_on == timezone.localdate()
    consent = JoinConsent.objects.get(patient=patient)
    assert consent.text_version == "2026-12-01" and consent.health_data_consent
    welcome = Delivery.objects.get(patient=patient)
    assert welcome.state == DeliveryState.SENT and welcome.step_key.startswith("welcome:")
    article_sms = sms.sent[-1]
    assert article_sms.template_id == "1760001" and "高血压患者的日常饮食" in article_sms.text
    invitation.refresh_from_db()
    assert (invitation.scans, invitation.joins) == (1, 1)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert (
        E164 not in logged
        and "13800138000" not in logged
        and "王阿姨" not in logged
        and code_sms.params[0] not in logged
    )

    done = client.get(response["Location"])
    assert done.status_code == 200
    contact = ContactPoint.objects.get()
    assert f"/join/leave/{contact.unsubscribe_token}/" in done.content.decode()

    # The same number again, another day's visit: the same patient, nothing duplicated.
    client.cookies.clear()
    again = join_by_sms(client, invitation, sms, django_capture_on_commit_callbacks, display_name="王阿姨")
    assert again.status_code == 302
    assert Patient.objects.count() == 1 and ContactPoint.objects.count() == 1
    assert Delivery.objects.count() == 1 and FollowUpEnrolment.objects.count() == 1
    assert JoinConsent.objects.count() == 2
    invitation.refresh_from_db()
    assert invitation.joins == 1
    assert sum(1 for message in sms.sent if message.template_id == "1760001") == 1


def test_english_and_international_number(client, joining):
    invitation, sms = joining["invitation"], joining["sms"]
    page = client.get(invitation.join_path() + "?lang=en")
    assert "What you will receive" in page.content.decode() and "About one a week" in page.content.decode()
    response = join_by_sms(
        client, invitation, sms, language="en", mobile="+44 7911 123456", keywords=[], health_data_consent=""
    )
    assert response.status_code == 302
    assert sms.sent[0].phone == "+447911123456" and sms.sent[0].template_id == "1760004"
    patient = Patient.objects.get()
    assert patient.preferred_language == "en" and not patient.tags.exists()


@pytest.mark.parametrize(
    "token,status,words",
    [
        ("no", 404, "This code is not valid"),
        ("%3Cscript%3Ealert(1)%3C", 404, "This code is not valid"),
        ("AAAAAAAAAAAAAAAA", 404, "This code is not valid"),
    ],
)
def test_malformed_and_unknown_codes(client, joining, token, status, words, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.get(f"/join/{token}/?lang=en")
    assert response.status_code == status and words in response.content.decode()


def test_revoked_and_expired_codes(client, joining):
    invitation = joining["invitation"]
    invitation.revoke()
    response = client.get(invitation.join_path() + "?lang=en")
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert client.post(invitation.join_path() + "?lang=en", form()).status_code == 410
    other = Invitation.objects.create(
        doctor=joining["doctor"], name="旧码", expires_at=timezone.now() - timedelta(days=1)
    )
    response = client.get(other.join_path() + "?lang=en")
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not joining["sms"].sent


def test_form_mistakes_are_explained(client, joining):
    url = joining["invitation"].join_path() + "?lang=en"
    response = client.post(url, form(mobile="12345", consent=""))
    text = response.content.decode()
    assert response.status_code == 400
    assert "not a mobile number we can send to" in text and "Please agree before joining" in text
    response = client.post(url, form(health_data_consent=""))
    assert response.status_code == 400 and "please also tick this box" in response.content.decode()
    response = client.post(url, form(website="http://spam.example"))
    assert response.status_code == 400 and "could not be sent" in response.content.decode()
    assert not joining["sms"].sent and Patient.objects.count() == 0


def test_wrong_then_too_many_codes(client, joining, settings):
    settings.KEPU_JOIN_LIMITS = {"max_attempts": 3}
    invitation, sms = joining["invitation"], joining["sms"]
    url = invitation.join_path() + "?lang=en"
    client.post(url, form())
    right = last_code(sms)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(url, {"action": "verify", "code": wrong})
    assert response.status_code == 400 and "2 more tries" in response.content.decode()
    response = client.post(url, {"action": "verify", "code": "12ab"})
    assert response.status_code == 400 and "6 digits" in response.content.decode()
    client.post(url, {"action": "verify", "code": wrong})
    response = client.post(url, {"action": "verify", "code": wrong})
    assert "Too many wrong codes" in response.content.decode()
    response = client.post(url, {"action": "verify", "code": right})  # even the right one: ask for a new code
    assert response.status_code == 400 and Patient.objects.count() == 0


def test_expired_one_time_code(client, joining, settings):
    settings.KEPU_JOIN_LIMITS = {"code_ttl_s": 0}
    invitation, sms = joining["invitation"], joining["sms"]
    url = invitation.join_path() + "?lang=en"
    client.post(url, form())
    response = client.post(url, {"action": "verify", "code": last_code(sms)})
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert Patient.objects.count() == 0


def test_sends_are_rate_limited_per_number_and_per_address(client, joining, settings):
    settings.KEPU_JOIN_LIMITS = {"resend_after_s": 0, "sends_per_number_per_hour": 2, "sends_per_address_per_hour": 4}
    invitation, sms = joining["invitation"], joining["sms"]
    url = invitation.join_path() + "?lang=en"
    assert client.post(url, form()).status_code == 200
    assert client.post(url, {"action": "resend"}).status_code == 200
    response = client.post(url, {"action": "resend"})
    assert response.status_code == 429 and "Too many codes" in response.content.decode()
    assert len(sms.sent) == 2
    other = client.post(url, form(mobile="139 0000 1111"))  # another number from the same address (4th request)
    assert other.status_code == 200
    fourth = client.post(url, form(mobile="137 0000 2222"))
    assert fourth.status_code == 429 and len(sms.sent) == 3


def test_resend_waits_a_minute(client, joining):
    url = joining["invitation"].join_path() + "?lang=en"
    client.post(url, form())
    response = client.post(url, {"action": "resend"})
    assert response.status_code == 429 and "Please wait" in response.content.decode()
    assert len(joining["sms"].sent) == 1


def test_wechat_oauth_path(client, joining, django_capture_on_commit_callbacks):
    invitation, wechat = joining["invitation"], joining["wechat"]
    first = client.get(invitation.join_path(), HTTP_USER_AGENT=WECHAT_UA)
    assert first.status_code == 302
    authorize = urlsplit(first["Location"])
    assert authorize.path == "/connect/oauth2/authorize" and first["Location"].endswith("#wechat_redirect")
    query = parse_qs(authorize.query)
    assert query["scope"] == ["snsapi_base"] and query["appid"] == [wechat.app_id]
    # The phone follows the redirect to WeChat, which sends it straight back with a one-time code.
    back = requests.get(first["Location"].split("#")[0], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    returned = urlsplit(back.headers["Location"])
    callback = client.get(f"{returned.path}?{returned.query}", HTTP_USER_AGENT=WECHAT_UA)
    assert callback.status_code == 302 and "code=" not in callback["Location"]
    page = client.get(callback["Location"], HTTP_USER_AGENT=WECHAT_UA)
    assert "no mobile number needed" in page.content.decode() or "无需" in page.content.decode()
    data = form()
    del data["mobile"]
    with django_capture_on_commit_callbacks(execute=True):
        joined = client.post(invitation.join_path(), data, HTTP_USER_AGENT=WECHAT_UA)
    assert joined.status_code == 302
    contact = ContactPoint.objects.get()
    assert contact.channel == "wechat" and contact.address == wechat.oauth_openid
    assert not joining["sms"].sent
    assert Delivery.objects.get().channel == "wechat" and wechat.sent[0]["touser"] == wechat.oauth_openid
    # The code is single-use: replaying the callback is refused by WeChat and the page falls back to SMS.
    other = client.__class__()
    other.get(invitation.join_path(), HTTP_USER_AGENT=WECHAT_UA)
    replay = other.get(f"{returned.path}?{returned.query}", HTTP_USER_AGENT=WECHAT_UA)
    assert replay.status_code == 200 and 'name="mobile"' in replay.content.decode()


def test_wechat_fake_is_strict(joining):
    wechat = joining["wechat"]
    bad = requests.get(
        f"{wechat.base_url}/connect/oauth2/authorize",
        params={
            "appid": "wx-wrong",
            "redirect_uri": "https://kp.example.cn/join/x/",
            "response_type": "code",
            "scope": "snsapi_base",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert bad.status_code == 200 and "10003" in bad.text
    elsewhere = requests.get(
        f"{wechat.base_url}/connect/oauth2/authorize",
        params={
            "appid": wechat.app_id,
            "redirect_uri": "https://evil.example/join/x/",
            "response_type": "code",
            "scope": "snsapi_base",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert elsewhere.status_code == 200 and "domain mismatch" in elsewhere.text
    answer = requests.get(
        f"{wechat.base_url}/sns/oauth2/access_token",
        params={"appid": wechat.app_id, "secret": "wrong", "code": "x", "grant_type": "authorization_code"},
        timeout=10,
    ).json()
    assert answer["errcode"] == 40125


def test_stop_then_erase(client, joining, caplog):
    invitation, sms = joining["invitation"], joining["sms"]
    join_by_sms(client, invitation, sms)
    contact = ContactPoint.objects.get()
    url = f"/join/leave/{contact.unsubscribe_token}/?lang=en"
    page = client.get(url)
    assert page.status_code == 200 and ContactPoint.objects.get().unsubscribed_at is None  # GET changes nothing
    stopped = client.post(url, {"action": "stop"})
    assert "no more messages" in stopped.content.decode()
    assert ContactPoint.objects.get().unsubscribed_at is not None
    caplog.set_level(logging.INFO)
    erased = client.post(url, {"action": "erase"})
    assert erased.status_code == 200 and "deleted" in erased.content.decode()
    assert not ContactPoint.objects.exists() and not Patient.objects.exists() and not Delivery.objects.exists()
    erasure = Erasure.objects.get()
    assert erasure.channel == "sms" and erasure.patient_removed and erasure.doctor == joining["doctor"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "erasure" in logged and E164 not in logged and "王阿姨" not in logged
    assert client.get(url).status_code == 404


def test_every_messages_unsubscribe_page_offers_erasure(client, joining):
    invitation, sms = joining["invitation"], joining["sms"]
    join_by_sms(client, invitation, sms)
    contact = ContactPoint.objects.get()
    page = client.get(contact.unsubscribe_url().replace("https://kp.example.cn", ""))
    assert page.status_code == 200
    assert f'href="/join/leave/{contact.unsubscribe_token}/?lang=zh-hans"' in page.content.decode()
    assert "删除我的联系方式" in page.content.decode()
