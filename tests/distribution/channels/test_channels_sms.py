"""SMS through the Tencent-style API against the local fake provider, and the length rules."""

from __future__ import annotations

import logging

import pytest

from distribution.channels import (
    ChannelConfigurationError,
    ContactInactiveError,
    DeliveryOutcome,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    SmsChannel,
    SmsTemplate,
    get_channel,
)
from distribution.channels.sms_text import measure_sms
from tests.distribution.channels.provider_configs import LINK_PREFIX, SHORT_LINK, sms_config
from tests.fakes.sms_server import FakeSmsServer

PHONE = "13812345678"
LONG_ZH_TITLE = "糖尿病患者如何在春节期间安排饮食、运动和用药，避免血糖大幅波动以及低血糖发生的实用指南与常见误区解析"
LONG_EN_TITLE = (
    "How people living with type 2 diabetes can plan meals, exercise and medication during the holidays "
    "without large swings in blood sugar or episodes of hypoglycaemia"
)


def message(key="c1-p1-sms", phone=PHONE, title="高血压患者的日常饮食", language="zh-hans", url=SHORT_LINK):
    return OutgoingMessage(idempotency_key=key, address=phone, title=title, url=url, language=language)


def test_sms_is_accepted_with_signed_request_and_rendered_text(sms_server):
    with SmsChannel(sms_config(sms_server)) as channel:
        result = channel.send(message(phone="138 1234 5678"))

    assert result.outcome is DeliveryOutcome.ACCEPTED
    [sent] = sms_server.sent
    assert result.provider_message_id == sent.serial_no
    assert sms_server.requests[0]["signature_ok"] is True
    assert sent.phone == "+8613812345678"
    assert sent.session_context == "c1-p1-sms"
    assert (
        sent.text == "【科普工作室】新科普《高血压患者的日常饮食》已发布，阅读 https://kp.example.cn/s/Ab3xY9 回T退订"
    )
    assert sent.params == ("高血压患者的日常饮食", "Ab3xY9")
    assert result.segments == sent.fee == 1


def test_chinese_title_is_shortened_to_one_segment_and_the_link_kept(sms_server):
    channel = SmsChannel(sms_config(sms_server, max_segments=1))
    result = channel.send(message(title=LONG_ZH_TITLE))

    [sent] = sms_server.sent
    assert len(sent.text) <= 70
    assert SHORT_LINK in sent.text
    title = sent.params[0]
    assert title.endswith("…") and LONG_ZH_TITLE.startswith(title[:-1])
    assert result.segments == sent.fee == 1
    # the title takes all the room there is: one more character would need a second part
    assert len(sent.text) >= 69


def test_chinese_long_sms_uses_67_character_parts(sms_server):
    channel = SmsChannel(sms_config(sms_server, max_segments=2))
    result = channel.send(message(title=LONG_ZH_TITLE))

    [sent] = sms_server.sent
    assert 70 < len(sent.text) <= 2 * 67
    assert SHORT_LINK in sent.text
    assert result.segments == sent.fee == 2


def test_english_title_uses_gsm7_limits_and_an_ascii_ellipsis(sms_server):
    channel = SmsChannel(sms_config(sms_server, max_segments=1))
    result = channel.send(message(title=LONG_EN_TITLE, language="en"))

    [sent] = sms_server.sent
    assert sent.text.isascii() and len(sent.text) <= 160
    assert sent.params[0].endswith("...")
    assert SHORT_LINK in sent.text
    assert result.segments == sent.fee == 1


def test_english_text_fits_three_153_character_parts(sms_server):
    channel = SmsChannel(sms_config(sms_server, max_segments=3))
    result = channel.send(message(title=LONG_EN_TITLE, language="en"))

    [sent] = sms_server.sent
    assert LONG_EN_TITLE in sent.text  # fits 2 parts of 153 without shortening
    assert 160 < len(sent.text) <= 2 * 153
    assert result.segments == sent.fee == 2


def test_unknown_language_falls_back_to_the_default_template(sms_server):
    SmsChannel(sms_config(sms_server)).send(message(language="fr"))
    assert sms_server.sent[0].template_id == "1760001"


def test_link_that_cannot_fit_is_refused_rather_than_cut(sms_server):
    channel = SmsChannel(sms_config(sms_server, max_segments=1))
    long_link = LINK_PREFIX + "x" * 60
    with pytest.raises(PermanentChannelError) as caught:
        channel.send(message(url=long_link))
    assert "no room for a title" in str(caught.value)
    assert sms_server.requests == []


def test_link_outside_the_approved_prefix_is_refused(sms_server):
    with pytest.raises(PermanentChannelError):
        SmsChannel(sms_config(sms_server)).send(message(url="https://other.example.com/s/abc"))
    assert sms_server.requests == []


def test_per_variable_limit_shortens_the_title(sms_server):
    SmsChannel(sms_config(sms_server, max_param_chars=12)).send(message(title=LONG_ZH_TITLE))
    assert len(sms_server.sent[0].params[0]) == 12


@pytest.mark.parametrize(
    ("code", "expected_wait"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", 30.0),
        ("LimitExceeded.PhoneNumberOneHourLimit", 3600.0),
        ("LimitExceeded.PhoneNumberDailyLimit", None),
    ],
)
def test_rate_limits_are_retryable_with_retry_after(sms_server, code, expected_wait):
    sms_server.fail_next(code)
    with pytest.raises(RetryableChannelError) as caught:
        SmsChannel(sms_config(sms_server)).send(message())

    assert caught.value.provider_code == code
    if expected_wait is None:  # until the daily reset at midnight Beijing time
        assert 0 < caught.value.retry_after <= 24 * 3600
    else:
        assert caught.value.retry_after == expected_wait


def test_provider_internal_error_is_retryable(sms_server):
    sms_server.fail_next_request("InternalError.SendAndRecvFail")
    with pytest.raises(RetryableChannelError):
        SmsChannel(sms_config(sms_server)).send(message())


def test_blacklisted_number_marks_contact_inactive(sms_server):
    sms_server.blacklisted.add("+8613812345678")
    with pytest.raises(ContactInactiveError) as caught:
        SmsChannel(sms_config(sms_server)).send(message())
    assert caught.value.outcome is DeliveryOutcome.CONTACT_INACTIVE
    assert caught.value.provider_code == "FailedOperation.PhoneNumberInBlacklist"


def test_number_rejected_by_provider_is_permanent(sms_server):
    sms_server.fail_next("InvalidParameterValue.IncorrectPhoneNumber")
    with pytest.raises(PermanentChannelError) as caught:
        SmsChannel(sms_config(sms_server)).send(message())
    assert caught.value.outcome is DeliveryOutcome.PERMANENT_FAILURE


@pytest.mark.parametrize("bad_number", ["12345", "+86 238 1234 5678", "phone:13812345678x"])
def test_malformed_number_is_permanent_without_a_request(sms_server, bad_number):
    with pytest.raises(PermanentChannelError) as caught:
        SmsChannel(sms_config(sms_server)).send(message(phone=bad_number))
    assert bad_number not in str(caught.value)
    assert sms_server.requests == []


def test_wrong_secret_key_fails_the_signature_check(sms_server):
    channel = get_channel("sms", sms_config(sms_server, secret_key="not-the-right-key"))
    with pytest.raises(ChannelConfigurationError) as caught:
        channel.send(message())
    assert caught.value.provider_code == "AuthFailure.SignatureFailure"
    assert sms_server.requests[0]["signature_ok"] is False
    assert "not-the-right-key" not in str(caught.value)


def test_provider_down_is_retryable(closed_port, sms_server):
    config = sms_config(sms_server, api_base=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(RetryableChannelError) as caught:
        SmsChannel(config).send(message())
    assert "SMS API unreachable: connection refused" in str(caught.value)


def test_logs_and_errors_never_contain_the_phone_number(sms_server, caplog):
    caplog.set_level(logging.DEBUG)
    channel = SmsChannel(sms_config(sms_server))
    channel.send(message(key="k-ok"))
    sms_server.fail_next("FailedOperation.ContainSensitiveWord")  # the fake echoes the number in its message
    with pytest.raises(PermanentChannelError) as caught:
        channel.send(message(key="k-bad"))

    assert "k-ok" in caplog.text and "k-bad" in caplog.text
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text
    assert PHONE not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("{" * 80, "gsm7", 160, 1),  # extension characters take two septets
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),  # an escape pair is never split across parts
        ("中" * 70, "ucs2", 70, 1),
        ("中" * 71, "ucs2", 71, 2),
        ("中" * 134, "ucs2", 134, 2),
        ("中" * 135, "ucs2", 135, 3),
        ("a" * 69 + "中", "ucs2", 70, 1),  # one Chinese character switches the whole text to UCS-2
        ("😀" * 35, "ucs2", 70, 1),  # characters outside the BMP are surrogate pairs
    ],
)
def test_measure_sms(text, encoding, units, segments):
    length = measure_sms(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_template_placeholders_must_match_params():
    with pytest.raises(ValueError, match="placeholders"):
        SmsTemplate("1", "只有一个变量 {1}", ("title", "url"))


def test_seeded_random_provider_errors_are_retryable_and_reproducible():
    def outcomes(seed: int) -> list[str]:
        with FakeSmsServer(error_rate=0.25, seed=seed) as server:
            channel = SmsChannel(sms_config(server))
            results = []
            for number in range(30):
                try:
                    channel.send(message(key=f"k-{number}"))
                    results.append("ok")
                except RetryableChannelError as exc:
                    results.append(exc.provider_code)
            return results

    first = outcomes(seed=5)
    assert first == outcomes(seed=5)
    assert set(first) == {"ok", "InternalError.Timeout"}
