"""The SMS channel against Tencent Cloud's own SDK: same request, same error codes, same numbers.

The official SDK (``tencentcloud-sdk-python-sms``) sends its ``SendSms`` to the
local fake and so does the channel, for the same inputs; the two requests
must agree field by field and both signatures must verify. Every error code
in the SDK's list has a class, and the ledger treats each class as it should.
"""

from __future__ import annotations

import inspect
import re

import pytest
from django.db.models import Q
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import errorcodes, models, sms_client

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import start_campaign
from distribution.campaigns.models import Delivery
from distribution.channels import (
    ChannelConfigurationError,
    ContactInactiveError,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    SmsChannel,
)
from distribution.channels.sms_errors import SMS_ERROR_CODES, classify_sms_error
from distribution.delivery.states import DeliveryState
from tests.builders import add_patient, distribution_config, publish_article, static_group
from tests.distribution.channels.provider_configs import SHORT_LINK, sms_config
from tests.fakes.sms_server import FakeSmsServer

STS_SECRET_ID = "AKIDtemporaryfromsts0123456789"
STS_SECRET_KEY = "temporary-secret-key-0123456789"
STS_TOKEN = "sts-session-token-" + "x" * 40
SDK_CODES = sorted(value for name, value in inspect.getmembers(errorcodes) if name.isupper() and isinstance(value, str))


@pytest.fixture
def sts_server():
    with FakeSmsServer(secret_id=STS_SECRET_ID, secret_key=STS_SECRET_KEY, token=STS_TOKEN) as server:
        yield server


def sdk_send(
    server: FakeSmsServer,
    *,
    phone: str,
    template_id: str,
    params: list[str],
    sign_name: str,
    session_context: str,
    token: str | None,
) -> models.SendSmsResponse:
    """``SendSms`` through the official SDK, pointed at the fake."""
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=f"{server.host}:{server.port}"))
    client = sms_client.SmsClient(
        credential.Credential(server.secret_id, server.secret_key, token), "ap-guangzhou", profile
    )
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [phone]
    request.SmsSdkAppId = server.sdk_app_id
    request.TemplateId = template_id
    request.TemplateParamSet = params
    request.SignName = sign_name
    request.SessionContext = session_context
    return client.SendSms(request)


def auth_parts(header: str) -> dict[str, str]:
    algorithm, rest = header.split(" ", 1)
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    return {"algorithm": algorithm, **parts}


def media_type(value: str) -> str:
    return value.split(";")[0].strip().lower()


@pytest.mark.parametrize("temporary", [False, True], ids=["permanent-key", "sts-token"])
def test_the_channel_sends_what_the_official_sdk_sends(sms_server, sts_server, temporary):
    server = sts_server if temporary else sms_server
    template = server.templates["1760001"]
    sdk_send(
        server,
        phone="+8613812345678",
        template_id="1760001",
        params=["高血压患者的日常饮食", "Ab3xY9"],
        sign_name="科普工作室",
        session_context="c1-p1-sms",
        token=STS_TOKEN if temporary else None,
    )
    sdk = server.requests[0]
    timestamp = int(sdk["headers"]["X-TC-Timestamp"])

    config = sms_config(server, token=STS_TOKEN if temporary else "")
    assert config.templates["zh-hans"].text == template
    channel = SmsChannel(config, clock=lambda: timestamp)
    channel.send(
        OutgoingMessage(
            idempotency_key="c1-p1-sms",
            address="138 1234 5678",
            title="高血压患者的日常饮食",
            url=SHORT_LINK,
            language="zh-hans",
        )
    )
    ours = server.requests[1]

    assert sdk["signature_ok"] and ours["signature_ok"]  # the fake rebuilt and checked each signature
    assert [sent.phone for sent in server.sent] == ["+8613812345678"] * 2
    assert ours["body"] == sdk["body"]  # every field, as JSON values
    headers = ("Host", "X-TC-Action", "X-TC-Version", "X-TC-Region", "X-TC-Timestamp")
    assert {name: ours["headers"][name] for name in headers} == {name: sdk["headers"][name] for name in headers}
    assert media_type(ours["headers"]["Content-Type"]) == media_type(sdk["headers"]["Content-Type"])
    assert ours["headers"].get("X-TC-Token") == sdk["headers"].get("X-TC-Token")
    assert (ours["headers"].get("X-TC-Token") == STS_TOKEN) is temporary
    ours_auth, sdk_auth = auth_parts(ours["headers"]["Authorization"]), auth_parts(sdk["headers"]["Authorization"])
    assert ours_auth["algorithm"] == sdk_auth["algorithm"] == "TC3-HMAC-SHA256"
    assert (
        ours_auth["Credential"]
        == sdk_auth["Credential"]
        == f"{server.secret_id}/" + re.search(r"/(\d{4}-\d{2}-\d{2}/sms/tc3_request)$", sdk_auth["Credential"]).group(1)
    )
    # The channel also signs x-tc-action (Tencent's documented example does): a superset of the SDK's.
    assert set(sdk_auth["SignedHeaders"].split(";")) <= set(ours_auth["SignedHeaders"].split(";"))
    # Chinese travels as UTF-8 in the channel's body, as \\u escapes in the SDK's: the same JSON text.
    assert "高血压" in ours["raw"].decode("utf-8") and "\\u9ad8" in sdk["raw"].decode("ascii")


def test_temporary_credentials_without_their_token_are_refused_like_the_sdk(sts_server):
    with pytest.raises(TencentCloudSDKException) as sdk_error:
        sdk_send(
            sts_server,
            phone="+8613812345678",
            template_id="1760001",
            params=["标题", "Ab3xY9"],
            sign_name="科普工作室",
            session_context="k",
            token=None,
        )
    assert sdk_error.value.get_code() == "AuthFailure.TokenFailure"

    with pytest.raises(ChannelConfigurationError) as caught:
        SmsChannel(sms_config(sts_server)).send(
            OutgoingMessage(
                idempotency_key="k", address="13812345678", title="标题", url=SHORT_LINK, language="zh-hans"
            )
        )
    assert caught.value.provider_code == "AuthFailure.TokenFailure"
    assert "renew" in caught.value.reason and STS_TOKEN not in caught.value.reason
    assert STS_TOKEN not in repr(sms_config(sts_server, token=STS_TOKEN))


def test_every_code_in_the_sdks_list_has_a_class():
    assert len(SDK_CODES) > 80
    missing = [code for code in SDK_CODES if code not in SMS_ERROR_CODES]
    assert missing == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("LimitExceeded.AppCountryOrRegionInBlacklist", PermanentChannelError),
        ("LimitExceeded.PhoneNumberCountLimit", PermanentChannelError),
        ("InternalError.SigVerificationFail", ChannelConfigurationError),
        ("InternalError.SigFieldMissing", ChannelConfigurationError),
        ("FailedOperation.TemplateIdNotExist", ChannelConfigurationError),
        ("FailedOperation.InsufficientBalanceInSmsPackage", ChannelConfigurationError),
        ("AuthFailure.TokenFailure", ChannelConfigurationError),
        ("FailedOperation.PhoneNumberInBlacklist", ContactInactiveError),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", RetryableChannelError),
        ("InternalError.Timeout", RetryableChannelError),
        ("RequestLimitExceeded.UinLimitExceeded", RetryableChannelError),
        ("LimitExceeded.SomeNewQuota", RetryableChannelError),  # a code newer than the table: its family's class
    ],
)
def test_provider_answers_become_the_right_channel_error(sms_server, code, kind):
    sms_server.fail_next_request(code)
    with pytest.raises(kind) as caught:
        SmsChannel(sms_config(sms_server)).send(
            OutgoingMessage(
                idempotency_key="k", address="13812345678", title="标题", url=SHORT_LINK, language="zh-hans"
            )
        )
    assert type(caught.value) is kind
    assert caught.value.provider_code == code
    assert type(classify_sms_error(code, "")) is kind


@pytest.mark.parametrize(
    "number", ["+8610012345678", "+8612345678901", "10012345678", "+86 0755 1234 5678", "+44 20 7946 0000"]
)
def test_numbers_no_carrier_issued_are_refused_before_any_request(sms_server, number):
    with pytest.raises(PermanentChannelError) as caught:
        SmsChannel(sms_config(sms_server)).send(
            OutgoingMessage(idempotency_key="k", address=number, title="标题", url=SHORT_LINK, language="zh-hans")
        )
    assert number not in str(caught.value) and number.replace(" ", "") not in str(caught.value)
    assert sms_server.requests == []


def test_the_fake_refuses_such_numbers_too_when_they_reach_it(sms_server):
    answer = sdk_send(
        sms_server,
        phone="+8610012345678",
        template_id="1760001",
        params=["标题", "Ab3xY9"],
        sign_name="科普工作室",
        session_context="k",
        token=None,
    )
    assert [status.Code for status in answer.SendStatusSet] == ["InvalidParameterValue.IncorrectPhoneNumber"]
    assert sms_server.requests[0]["signature_ok"] and sms_server.sent == []


def test_international_mobile_numbers_are_sent_in_e164(sms_server):
    channel = SmsChannel(sms_config(sms_server))
    channel.send(
        OutgoingMessage(idempotency_key="hk", address="+852 9123 4567", title="Gout", url=SHORT_LINK, language="en")
    )
    channel.send(
        OutgoingMessage(idempotency_key="uk", address="0044 7400 123456", title="Gout", url=SHORT_LINK, language="en")
    )
    assert [sent.phone for sent in sms_server.sent] == ["+85291234567", "+447400123456"]


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_missing_template_pauses_the_sms_channel_and_refunds_the_attempt(
    settings, studio, people, doctor, public_base, sms_server
):
    config = distribution_config(sms=sms_server)
    config["channels"]["sms"]["templates"]["zh-hans"]["template_id"] = "1769999"  # not in the account
    settings.KEPU_DISTRIBUTION = config
    patients = [add_patient(doctor, f"患者{i}", channels={"sms": f"+86138000000{i:02d}"}) for i in range(3)]
    campaign = _campaign(studio, people, doctor, patients)
    deliver_due(scope=Q(campaign=campaign))

    rows = list(Delivery.objects.filter(campaign=campaign))
    assert {row.state for row in rows} == {DeliveryState.RETRYING}
    assert {row.attempts for row in rows} == {0}
    assert all(
        row.reason.startswith("channel configuration: SMS provider error FailedOperation.TemplateIdNotExist")
        for row in rows
    )
    assert len(sms_server.requests) <= 3  # at most the messages already in flight when the first answer came


@pytestmark_db
def test_a_country_the_account_does_not_serve_fails_that_recipient_only(
    settings, studio, people, doctor, public_base, sms_server
):
    sms_server.allowed_regions = frozenset({"CN", "HK", "MO", "TW"})
    settings.KEPU_DISTRIBUTION = distribution_config(sms=sms_server)
    abroad = add_patient(doctor, "Abroad", channels={"sms": "+61 412 345 678"})  # Australia: not allowed
    home = add_patient(doctor, "本地", channels={"sms": "13812345678"})
    campaign = _campaign(studio, people, doctor, [abroad, home])
    deliver_due(scope=Q(campaign=campaign))

    dead = Delivery.objects.get(patient=abroad)
    assert dead.state == DeliveryState.DEAD and dead.attempts == 1
    assert "LimitExceeded.AppCountryOrRegionInBlacklist" in dead.reason and "412" not in dead.reason
    assert Delivery.objects.get(patient=home).state == DeliveryState.SENT
    assert abroad.contacts.get().inactive_at is None  # the number is fine; the account's settings are not


def _campaign(studio, people, doctor, patients):
    from distribution.campaigns.models import Campaign

    article = publish_article(studio, people["doctor_a"], "高血压饮食")
    campaign = Campaign.objects.create(
        name="高血压", doctor=doctor, article=article, channels=["sms"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "高血压", patients))
    start_campaign(campaign)
    return campaign


@pytestmark_db
def test_the_channels_screen_takes_temporary_credentials_and_sends_their_token(client, settings, studio, public_base):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import reverse
    from wagtail.models import Site

    from distribution.campaigns.models import ChannelSettings
    from distribution.patients.models import DISTRIBUTORS
    from tests.channel_pool import close_configured_channels

    text = "新科普《{1}》已发布，阅读 https://kp.example.cn/{2} 回T退订"  # the studio's test link is the site root
    site = Site.objects.get(is_default_site=True)
    operator = get_user_model().objects.create_user("operator", password="pw")
    operator.groups.add(Group.objects.get(name=DISTRIBUTORS))
    client.force_login(operator)
    settings_url = reverse("wagtailsettings:edit", args=["campaigns", "channelsettings", site.pk])
    with FakeSmsServer(
        secret_id=STS_SECRET_ID, secret_key=STS_SECRET_KEY, token=STS_TOKEN, templates={"1760001": text}
    ) as server:
        form = {
            "email_transport": "smtp",
            "email_port": "587",
            "email_security": "starttls",
            "wechat_api_base": "https://api.weixin.qq.com",
            "wechat_account_type": "service",
            "wechat_message_kind": "template",
            "sms_enabled": "on",
            "sms_secret_id": STS_SECRET_ID,
            "sms_secret_key": STS_SECRET_KEY,
            "sms_token": STS_TOKEN,
            "sms_sdk_app_id": server.sdk_app_id,
            "sms_sign_name": "科普工作室",
            "sms_template_id_zh": "1760001",
            "sms_template_text_zh": text,
            "sms_api_base": server.base_url,
        }
        response = client.post(settings_url, form)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert STS_TOKEN not in client.get(settings_url).content.decode()  # write-only, like the keys

        close_configured_channels()
        client.post(
            reverse("channel_test_message", args=[site.pk]),
            {"test_channel": "sms", "test_address_sms": "138 1234 5678"},
        )
        [request] = server.requests
        assert request["signature_ok"] and request["headers"]["X-TC-Token"] == STS_TOKEN
        assert ChannelSettings.objects.get(site=site).test_results["sms"]["ok"] is True
        [sent] = server.sent
        assert sent.text == "【科普工作室】新科普《" + sent.params[0] + "》已发布，阅读 https://kp.example.cn/ 回T退订"

        # Permanent keys typed later without a token: the old token goes with its SecretId.
        client.post(
            settings_url, {**form, "sms_secret_id": server.secret_id + "X", "sms_secret_key": "k" * 32, "sms_token": ""}
        )
        assert ChannelSettings.objects.get(site=site).sms_token == ""
    close_configured_channels()
