"""The shared types: messages, masking, the registry and the retry helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from distribution.channels import (
    CHANNEL_KINDS,
    ChannelConfigurationError,
    ContactInactiveError,
    DeliveryOutcome,
    EmailChannel,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    SendResult,
    SmsChannel,
    WebhookChannel,
    WeChatChannel,
    get_channel,
    mask_address,
)
from distribution.channels.base import parse_retry_after, seconds_until_china_time


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("sms", "13812345678", "138****5678"),
        ("sms", "+86 138-1234-5678", "138****5678"),
        ("sms", "+447700900123", "447****0123"),
        ("sms", "12345", "****"),
        ("wechat", "oAbCdEfGhIjKlMnOpQrStUvWxYz12", "oAbC…z12"),
        ("wechat", "short", "***"),
        ("email", "zhang.wei@patient-mail.example.cn", "z***@p***.cn"),
        ("email", "li@qq.com", "l***@q***.com"),
        ("webhook", "https://partner.example.org:8443/hooks/tok3n?sig=1", "https://partner.example.org:8443/…"),
        ("webhook", "not a url", "<invalid url>"),
        ("auto", "13812345678", "138****5678"),
        ("auto", "li@qq.com", "l***@q***.com"),
        ("auto", "oAbCdEfGhIjKlMnOpQrStUvWxYz12", "oAbC…z12"),
        ("sms", "", "<empty>"),
    ],
)
def test_mask_address(kind, value, masked):
    assert mask_address(kind, value) == masked


def test_mask_address_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="unknown address kind"):
        mask_address("fax", "0123")


def test_message_repr_masks_the_address():
    message = OutgoingMessage("c1-p1", "13812345678", "标题", "https://kp.example.cn/a/1/")
    assert "13812345678" not in repr(message)
    assert "138****5678" in repr(message)
    assert "13812345678" not in str(message)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "has space"}, "idempotency_key"),
        ({"idempotency_key": "k" * 129}, "idempotency_key"),
        ({"address": "  "}, "address"),
        ({"title": ""}, "title"),
        ({"url": "/relative/path"}, "url"),
        ({"unsubscribe_url": "javascript:alert(1)"}, "unsubscribe_url"),
    ],
)
def test_message_validation(fields, error):
    base = dict(idempotency_key="c1-p1", address="13812345678", title="标题", url="https://kp.example.cn/a/1/")
    with pytest.raises(ValueError, match=error):
        OutgoingMessage(**{**base, **fields})


def test_message_extra_is_read_only():
    message = OutgoingMessage("c1-p1", "x@y.cn", "t", "https://kp.example.cn/", extra={"a": 1})
    with pytest.raises(TypeError):
        message.extra["a"] = 2  # type: ignore[index]


def test_send_result_only_reports_successes():
    assert SendResult(DeliveryOutcome.DELIVERED).segments == 1
    with pytest.raises(ValueError):
        SendResult(DeliveryOutcome.CONTACT_INACTIVE)


def test_each_error_kind_carries_its_ledger_outcome():
    assert RetryableChannelError("busy", 5).outcome is DeliveryOutcome.RETRYABLE_FAILURE
    assert PermanentChannelError("bad").outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert ContactInactiveError("gone").outcome is DeliveryOutcome.CONTACT_INACTIVE
    assert ChannelConfigurationError("creds").outcome is DeliveryOutcome.CONFIGURATION_ERROR
    assert isinstance(ContactInactiveError("gone"), PermanentChannelError)
    assert str(RetryableChannelError("busy", 5)) == "busy (retry after 5s)"


def test_registry_builds_every_kind_from_mappings():
    configs = {
        "wechat": {"app_id": "wx1", "app_secret": "s", "template_id": "t", "http": {"read_timeout_s": 4}},
        "sms": {
            "secret_id": "id",
            "secret_key": "key",
            "sdk_app_id": "1400000001",
            "templates": {"zh-hans": {"template_id": "1", "text": "《{1}》{2}", "params": ["title", "url"]}},
        },
        "email": {"from_address": "kepu@hospital.example.cn"},
        "webhook": {"secret": "0123456789abcdef"},
    }
    expected = {"wechat": WeChatChannel, "sms": SmsChannel, "email": EmailChannel, "webhook": WebhookChannel}
    assert set(CHANNEL_KINDS) == set(expected)
    for kind, config in configs.items():
        channel = get_channel(kind, config)
        assert isinstance(channel, expected[kind]) and channel.kind == kind
        channel.close()
    assert get_channel("wechat", configs["wechat"]).config.http.read_timeout_s == 4


def test_registry_rejects_unknown_kinds_and_bad_configs():
    with pytest.raises(ValueError, match="unknown channel kind"):
        get_channel("fax", {})
    with pytest.raises(ValueError, match="invalid webhook channel configuration"):
        get_channel("webhook", {"secret": "0123456789abcdef", "colour": "blue"})
    with pytest.raises(ValueError, match="at least 16"):
        get_channel("webhook", {"secret": "short"})
    with pytest.raises(TypeError, match="WeChatConfig"):
        get_channel("wechat", object())


def test_config_repr_hides_secrets():
    channel = get_channel("wechat", {"app_id": "wx1", "app_secret": "very-secret-value", "template_id": "t"})
    assert "very-secret-value" not in repr(channel.config)


def test_parse_retry_after():
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Sat, 01 Mar 2025 12:01:30 GMT", now=now) == 90
    assert parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_quota_resets_are_computed_in_beijing_time():
    # 15:30 UTC is 23:30 in Beijing: midnight is 30 minutes away, 08:00 is 8.5 hours away.
    now = datetime(2025, 3, 1, 15, 30, tzinfo=UTC)
    assert seconds_until_china_time(0, now=now) == 30 * 60
    assert seconds_until_china_time(8, now=now) == 8.5 * 3600
