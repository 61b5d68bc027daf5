"""WeChat template messages against the local fake WeChat API."""

from __future__ import annotations

import logging

import pytest

from distribution.channels import (
    ChannelConfigurationError,
    ContactInactiveError,
    DeliveryOutcome,
    PermanentChannelError,
    RetryableChannelError,
    WeChatChannel,
    WeChatConfig,
    get_channel,
)
from tests.distribution.channels.provider_configs import OPENID, wechat_config, wechat_message
from tests.fakes.wechat_server import FakeWeChatServer


def test_template_message_is_accepted_with_template_fields(wechat_server):
    with WeChatChannel(wechat_config(wechat_server)) as channel:
        result = channel.send(wechat_message())

    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert result.provider_message_id == str(wechat_server.sent[0]["msgid"])
    sent = wechat_server.sent[0]
    assert sent["touser"] == OPENID
    assert sent["template_id"] == "tmpl-new-article"
    assert sent["url"] == "https://kp.example.cn/a/hypertension-diet/"
    assert sent["client_msg_id"] == "c1-p1-wechat"
    # "thing" keywords hold at most 20 characters; the long title is shortened with an ellipsis.
    assert sent["data"]["thing1"]["value"] == "高血压患者的日常饮食：少盐多菜，规律监…"
    assert sent["data"]["thing2"]["value"] == "心内科医生讲解控盐技巧"
    assert sent["data"]["thing3"]["value"] == "科普工作室"


def test_one_token_request_serves_many_sends(wechat_server):
    channel = get_channel("wechat", wechat_config(wechat_server))
    for number in range(5):
        channel.send(wechat_message(key=f"c1-p{number}-wechat"))

    assert wechat_server.token_requests == 1
    assert len(wechat_server.sent) == 5
    tokens = {request.query["access_token"] for request in wechat_server.send_requests}
    assert len(tokens) == 1


def test_token_is_refreshed_shortly_before_it_expires(wechat_server):
    now = [1000.0]
    config = wechat_config(wechat_server, token_refresh_margin_s=300)
    channel = WeChatChannel(config, clock=lambda: now[0])
    channel.send(wechat_message(key="k-1"))
    now[0] += 7200 - 300 - 10  # still before expires_in minus the margin
    channel.send(wechat_message(key="k-2"))
    assert wechat_server.token_requests == 1
    now[0] += 20  # inside the margin: refresh before WeChat would reject it
    channel.send(wechat_message(key="k-3"))
    assert wechat_server.token_requests == 2
    assert channel.token_fetches == 2


def test_invalid_token_40001_refreshes_and_retries_once(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server))
    channel.send(wechat_message(key="k-1"))
    wechat_server.fail_next_send(40001)

    result = channel.send(wechat_message(key="k-2"))

    assert result.outcome is DeliveryOutcome.ACCEPTED
    # First a plain re-fetch (another worker may have replaced the token); WeChat hands back the very token it
    # refused, so only then a forced one.
    forced = [r.body["force_refresh"] for r in wechat_server.requests if r.path == "/cgi-bin/stable_token"]
    assert forced == [False, False, True]
    assert wechat_server.force_refreshes_today == 1
    assert [m["client_msg_id"] for m in wechat_server.sent] == ["k-1", "k-2"]


def test_expired_token_42001_is_refreshed(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server))
    channel.send(wechat_message(key="k-1"))
    wechat_server.expire_tokens()

    assert channel.send(wechat_message(key="k-2")).outcome is DeliveryOutcome.ACCEPTED
    assert wechat_server.token_requests == 2


def test_token_rejected_twice_is_retryable(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server))
    wechat_server.fail_next_send(40001, times=2)

    with pytest.raises(RetryableChannelError) as caught:
        channel.send(wechat_message())
    assert caught.value.provider_code == "40001"
    assert wechat_server.sent == []


def test_classic_token_endpoint_is_supported(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server, token_endpoint="classic"))
    channel.send(wechat_message(key="k-1"))
    channel.send(wechat_message(key="k-2"))
    token_calls = [r for r in wechat_server.requests if r.path == "/cgi-bin/token"]
    assert len(token_calls) == 1
    assert token_calls[0].query["grant_type"] == "client_credential"


@pytest.mark.parametrize("errcode", [45009, 45047, -1])
def test_rate_limit_and_busy_are_retryable_with_retry_after(wechat_server, errcode):
    channel = WeChatChannel(wechat_config(wechat_server))
    wechat_server.fail_next_send(errcode)

    with pytest.raises(RetryableChannelError) as caught:
        channel.send(wechat_message())

    assert caught.value.provider_code == str(errcode)
    assert caught.value.retry_after is not None and caught.value.retry_after > 0
    assert caught.value.outcome is DeliveryOutcome.RETRYABLE_FAILURE
    if errcode == 45009:  # daily quota: wait until the reset at midnight Beijing time
        assert caught.value.retry_after <= 24 * 3600


@pytest.mark.parametrize(("errcode", "switch"), [(43004, "unfollowed"), (43101, "refused")])
def test_unfollowed_or_refusing_user_marks_contact_inactive(wechat_server, errcode, switch):
    getattr(wechat_server, switch).add(OPENID)
    channel = WeChatChannel(wechat_config(wechat_server))

    with pytest.raises(ContactInactiveError) as caught:
        channel.send(wechat_message())

    assert caught.value.outcome is DeliveryOutcome.CONTACT_INACTIVE
    assert caught.value.provider_code == str(errcode)


def test_invalid_openid_is_permanent(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server))
    with pytest.raises(PermanentChannelError) as caught:
        channel.send(wechat_message(openid="not-an-openid"))
    assert caught.value.outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert caught.value.provider_code == "40003"


def test_wrong_app_secret_is_a_configuration_error(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server, app_secret="wrong-secret"))
    with pytest.raises(ChannelConfigurationError) as caught:
        channel.send(wechat_message())
    assert caught.value.provider_code == "40125"
    assert "wrong-secret" not in str(caught.value)


def test_repeated_client_msg_id_is_deduplicated_by_the_platform(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server))
    first = channel.send(wechat_message(key="c9-p9-wechat"))
    second = channel.send(wechat_message(key="c9-p9-wechat"))

    assert first.provider_message_id == second.provider_message_id
    assert len(wechat_server.sent) == 1
    assert len(wechat_server.send_requests) == 2


def test_long_idempotency_key_becomes_a_64_character_client_msg_id(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server))
    channel.send(wechat_message(key="campaign-2024-hypertension-week:" + "p" * 60))
    assert len(wechat_server.sent[0]["client_msg_id"]) == 64


def test_api_down_is_retryable_with_a_clear_reason(closed_port):
    config = WeChatConfig(
        app_id="wx0123456789abcdef",
        app_secret="fake-app-secret-0123456789",
        template_id="t",
        api_base=f"http://127.0.0.1:{closed_port}",
    )
    with pytest.raises(RetryableChannelError) as caught:
        WeChatChannel(config).send(wechat_message())
    assert "connection refused" in str(caught.value)
    assert "fake-app-secret" not in str(caught.value)
    assert caught.value.__cause__ is None  # the requests error (with URL and secret) is not chained


def test_logs_and_errors_never_contain_the_openid(wechat_server, caplog):
    caplog.set_level(logging.DEBUG)
    channel = WeChatChannel(wechat_config(wechat_server))
    channel.send(wechat_message(key="k-ok"))
    wechat_server.unfollowed.add(OPENID)
    with pytest.raises(ContactInactiveError) as caught:
        channel.send(wechat_message(key="k-gone"))

    assert "k-ok" in caplog.text and "k-gone" in caplog.text  # the lines are there…
    assert OPENID not in caplog.text  # …without the patient's openid
    assert "oAbC…z12" in caplog.text
    assert OPENID not in str(caught.value)
    assert OPENID not in repr(wechat_message())


def test_seeded_random_errors_are_reproducible():
    def outcomes(seed: int) -> list[str]:
        with FakeWeChatServer(error_rate=0.3, error_codes=(-1, 45047), seed=seed) as server:
            channel = WeChatChannel(wechat_config(server))
            results = []
            for number in range(40):
                try:
                    channel.send(wechat_message(key=f"k-{number}"))
                    results.append("ok")
                except RetryableChannelError as exc:
                    results.append(exc.provider_code)
            return results

    first = outcomes(seed=3)
    assert first == outcomes(seed=3)
    assert {"ok", "-1", "45047"} <= set(first)
    assert 4 <= first.count("-1") + first.count("45047") <= 24
