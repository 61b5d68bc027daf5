"""The Channels settings screen: per site, credentials write-only, a test message through the real channel,
health from the last sends, the environment overriding; campaigns choose channels by checkbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Site

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import start_campaign
from distribution.campaigns.models import Campaign, ChannelSettings
from distribution.patients.models import DISTRIBUTORS
from tests.builders import WEBHOOK_SECRET, add_patient, publish_article, static_group
from tests.channel_pool import close_configured_channels

pytestmark = pytest.mark.django_db

SECRET = "a-very-long-webhook-secret-value-42"


@pytest.fixture(autouse=True)
def _fresh_channel_pool():
    close_configured_channels()
    yield
    close_configured_channels()


@pytest.fixture
def operator(studio):
    user = get_user_model().objects.create_user("operator", password="pw")
    user.groups.add(Group.objects.get(name=DISTRIBUTORS))
    return user


@pytest.fixture
def site(studio):
    return Site.objects.get(is_default_site=True)


def settings_url(site) -> str:
    return reverse("wagtailsettings:edit", args=["campaigns", "channelsettings", site.pk])


def form_data(**values) -> dict:
    data = {
        "email_transport": "smtp",
        "email_port": "587",
        "email_security": "starttls",
        "wechat_api_base": "https://api.weixin.qq.com",
        "sms_api_base": "https://sms.tencentcloudapi.com",
        "wechat_account_type": "service",
        "wechat_message_kind": "template",
    }
    data.update({key: value for key, value in values.items() if value is not None})
    return data


def test_credentials_are_write_only(client, operator, site, webhook_sink):
    client.force_login(operator)
    assert client.get(settings_url(site)).status_code == 200
    response = client.post(
        settings_url(site),
        form_data(
            webhook_enabled="on",
            webhook_endpoint=webhook_sink.url(),
            webhook_secret=SECRET,
            webhook_allow_plain_http="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ChannelSettings.objects.get(site=site).webhook_secret == SECRET

    page = client.get(settings_url(site)).content.decode()
    assert SECRET not in page
    assert "Type a new value to replace it" in page or "输入新值" in page or "已设置" in page

    # Saving again with the box left empty keeps the stored secret; typing one replaces it.
    client.post(
        settings_url(site),
        form_data(webhook_enabled="on", webhook_endpoint=webhook_sink.url(), webhook_allow_plain_http="on"),
    )
    assert ChannelSettings.objects.get(site=site).webhook_secret == SECRET
    client.post(
        settings_url(site),
        form_data(
            webhook_enabled="on",
            webhook_endpoint=webhook_sink.url(),
            webhook_secret=SECRET + "-new",
            webhook_allow_plain_http="on",
        ),
    )
    assert ChannelSettings.objects.get(site=site).webhook_secret == SECRET + "-new"


def test_a_channel_that_cannot_work_is_refused_with_the_reason(client, operator, site):
    client.force_login(operator)
    response = client.post(
        settings_url(site),
        form_data(webhook_enabled="on", webhook_endpoint="https://his.example.cn/n", webhook_secret="short"),
    )
    assert response.status_code == 200  # the form again, with the error
    assert not ChannelSettings.objects.filter(site=site, webhook_enabled=True).exists()
    response = client.post(settings_url(site), form_data(email_enabled="on", email_from_address="not an address"))
    assert response.status_code == 200
    assert not ChannelSettings.objects.filter(site=site, email_enabled=True).exists()


def test_test_message_goes_through_the_real_channel_and_is_recorded(
    client, operator, site, webhook_sink, smtp_server, public_base
):
    ChannelSettings.objects.create(
        site=site,
        webhook_enabled=True,
        webhook_endpoint=webhook_sink.url(),
        webhook_secret=WEBHOOK_SECRET,
        webhook_allow_plain_http=True,
        email_enabled=True,
        email_from_address="科普工作室 <kepu@hospital.example.cn>",
        email_host="127.0.0.1",
        email_port=smtp_server.port,
        email_security="none",
    )
    client.force_login(operator)
    url = reverse("channel_test_message", args=[site.pk])
    response = client.post(url, {"test_channel": "webhook"})
    assert response.status_code == 302 and response.url == settings_url(site)
    [hook] = webhook_sink.received
    assert hook.json()["extra"]["patient_ref"] == "TEST"
    client.post(url, {"test_channel": "email", "test_address_email": "operator@hospital.example.cn"})
    [mail] = smtp_server.messages
    assert str(mail.message["To"]) == "operator@hospital.example.cn"
    results = ChannelSettings.objects.get(site=site).test_results
    assert results["webhook"]["ok"] and results["email"]["ok"]

    # A failing channel: the reason is recorded and shown, nothing crashes.
    client.post(url, {"test_channel": "email", "test_address_email": "not-an-address"})
    assert ChannelSettings.objects.get(site=site).test_results["email"]["ok"] is False
    page = client.get(settings_url(site)).content.decode()
    assert 'data-test-result="failed"' in page and 'data-test-result="ok"' in page


def test_doctors_and_editors_cannot_see_or_test_channels(client, people, site):
    for role in ("doctor_a", "editor"):
        client.force_login(people[role])
        assert client.get(settings_url(site)).status_code == 302
        assert (
            client.post(reverse("channel_test_message", args=[site.pk]), {"test_channel": "webhook"}).status_code == 302
        )


def test_health_comes_from_the_last_sends(
    client, operator, site, studio, people, doctor, public_base, webhook_sink, closed_port
):
    settings_row = ChannelSettings.objects.create(
        site=site,
        webhook_enabled=True,
        webhook_endpoint=webhook_sink.url(),
        webhook_secret=WEBHOOK_SECRET,
        webhook_allow_plain_http=True,
    )
    article = publish_article(studio, people["doctor_a"], "测血压")
    patient = add_patient(doctor, "王女士", channels={"webhook": "HIS-1"})
    campaign = Campaign.objects.create(
        name="c", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "g", [patient]))
    start_campaign(campaign)
    deliver_due()
    client.force_login(operator)
    page = client.get(settings_url(site)).content.decode()
    assert 'data-channel="webhook"' in page
    webhook_panel = page.split('data-channel="webhook"')[1]
    assert 'data-health="ok"' in webhook_panel.split("data-channel=")[0]

    # The endpoint goes away: the next sends fail and the panel says so.
    settings_row.webhook_endpoint = f"http://127.0.0.1:{closed_port}/hook"
    settings_row.save()
    second = Campaign.objects.create(
        name="c2", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    second.groups.add(static_group(doctor, "g2", [patient]))
    start_campaign(second)
    deliver_due()
    page = client.get(settings_url(site)).content.decode()
    webhook_panel = page.split('data-channel="webhook"')[1].split("data-channel=")[0]
    assert 'data-health="failing"' in webhook_panel and "connection refused" in webhook_panel


def test_environment_overrides_the_admin_for_its_kinds(
    settings, site, webhook_sink, public_base, studio, people, doctor
):
    ChannelSettings.objects.create(
        site=site,
        webhook_enabled=True,
        webhook_endpoint="https://unused.example.cn/x",
        webhook_secret="admin-secret-that-is-long-enough",
    )
    settings.KEPU_DISTRIBUTION = {
        "channels": {"webhook": {"secret": WEBHOOK_SECRET, "endpoint": webhook_sink.url(), "allow_plain_http": True}}
    }
    article = publish_article(studio, people["doctor_a"], "测血压")
    patient = add_patient(doctor, "王女士", channels={"webhook": "HIS-1"})
    campaign = Campaign.objects.create(
        name="c", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "g", [patient]))
    start_campaign(campaign)
    deliver_due()
    assert webhook_sink.stats["accepted"] == 1  # the environment's endpoint and secret, not the admin's


def campaign_form(article, group, channels, doctor) -> dict:
    data = {
        "name": "测血压",
        "doctor": str(doctor.pk),
        "article": str(article.pk),
        "groups": [str(group.pk)],
        "scheduled_at": "",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
    }
    if channels:
        data["channels"] = channels
    return data


def test_campaign_channels_are_checkboxes_of_the_configured_channels(client, site, studio, people, doctor, operator):
    ChannelSettings.objects.create(
        site=site,
        email_enabled=True,
        email_transport="console",
        email_from_address="科普工作室 <kepu@hospital.example.cn>",
    )
    article = publish_article(studio, people["doctor_a"], "测血压")
    group = static_group(doctor, "g", [])
    client.force_login(operator)
    add_url = reverse("distribution_campaigns:add")
    page = client.get(add_url).content.decode()
    assert 'type="checkbox" name="channels" value="email"' in page
    assert "not set up yet" in page or "尚未设置" in page  # the other kinds say so

    response = client.post(add_url, campaign_form(article, group, ["email"], doctor))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Campaign.objects.get().channels == ["email"]

    response = client.post(add_url, campaign_form(article, group, ["sms"], doctor))
    assert response.status_code == 200 and Campaign.objects.count() == 1  # SMS is not set up: refused
    response = client.post(add_url, campaign_form(article, group, [], doctor))
    assert response.status_code == 200 and Campaign.objects.count() == 1


def test_wechat_subscribe_messages_and_receipts_are_set_up_on_the_channels_screen(client, operator, site):
    client.force_login(operator)
    wechat = dict(
        wechat_enabled="on",
        wechat_app_id="wx0123456789abcdef",
        wechat_app_secret="app-secret-0123456789",
        wechat_template_id="tmpl-sub",
        wechat_account_type="miniprogram",
        wechat_message_kind="subscribe",
        wechat_push_token="push-token-2026",
        wechat_encoding_aes_key="A" * 43,
    )
    refused = client.post(settings_url(site), form_data(**wechat))  # a mini program needs the page showing articles
    assert refused.status_code == 200 and "miniprogram_page" in refused.content.decode()
    saved = client.post(settings_url(site), form_data(**wechat, wechat_miniprogram_page="pages/article/index"))
    assert saved.status_code == 302
    config = ChannelSettings.objects.get(site=site).channel_config("wechat")
    assert config["message_kind"] == "subscribe" and config["account_type"] == "miniprogram"
    assert config["miniprogram_page"] == "pages/article/index" and config["push_token"] == "push-token-2026"
    page = client.get(settings_url(site)).content.decode()
    assert f"/messages/receipts/wechat/{site.pk}/" in page and "push-token-2026" not in page  # write-only


def test_the_join_pages_verification_code_template_is_set_up_on_the_channels_screen(client, operator, site):
    from distribution.channels import OutgoingMessage, get_channel
    from distribution.channels.sms import VERIFICATION_CODE
    from tests.fakes.sms_server import EXAMPLE_TEMPLATES, FakeSmsServer

    client.force_login(operator)
    with FakeSmsServer() as server:
        sms = dict(
            sms_enabled="on",
            sms_secret_id=server.secret_id,
            sms_secret_key=server.secret_key,
            sms_sdk_app_id=server.sdk_app_id,
            sms_sign_name="科普工作室",
            sms_api_base=server.base_url,
            sms_template_id_zh="1760001",
            sms_template_text_zh=EXAMPLE_TEMPLATES["1760001"],
            sms_verification_template_id_zh="1760003",
        )
        refused = client.post(settings_url(site), form_data(**sms, sms_verification_template_text_zh="验证码已发送"))
        assert refused.status_code == 200  # a verification text without {1} for the code cannot work
        assert ChannelSettings.objects.filter(site=site, sms_enabled=True).count() == 0
        saved = client.post(
            settings_url(site), form_data(**sms, sms_verification_template_text_zh=EXAMPLE_TEMPLATES["1760003"])
        )
        assert saved.status_code == 302
        config = ChannelSettings.objects.get(site=site).channel_config("sms")
        assert config["verification_templates"]["zh-hans"]["template_id"] == "1760003"
        channel = get_channel("sms", config)
        result = channel.send(
            OutgoingMessage(
                idempotency_key="join-otp-1",
                address="+8613800138000",
                title="验证码",
                url="https://kp.example.cn/join/",
                extra={VERIFICATION_CODE: "428613"},
            )
        )
        channel.close()
    assert result.provider_message_id
    [sent] = server.sent
    assert sent.template_id == "1760003" and sent.params == ("428613",)
    assert sent.text == "【科普工作室】验证码428613，10分钟内有效，用于加入医生的健康科普随访。如非本人操作请忽略。"
