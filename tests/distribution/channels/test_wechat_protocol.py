"""WeChat as the real platform behaves: raw UTF-8 bodies, shared tokens, keyword rules, subscribe and mass sends.

The fake is checked against wechatpy (a WeChat SDK the project did not write):
what wechatpy sends, the fake takes, and the channel's bodies are the same bytes
in kind (raw UTF-8 JSON) as wechatpy's.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from django.core.cache import cache
from wechatpy import WeChatClient

from distribution.campaigns.channel_pool import SharedRateLimiter
from distribution.channels import DeliveryOutcome, PermanentChannelError, RetryableChannelError, WeChatChannel
from distribution.channels.wechat_keywords import KeywordValueError, fit_keyword_value
from tests.distribution.channels.provider_configs import OPENID, wechat_config, wechat_message

CHINESE_TITLE = "高血压患者的日常饮食"


# --- raw UTF-8 bodies -------------------------------------------------------------------------


def test_bodies_are_raw_utf8_like_wechatpy_and_escaped_bodies_are_refused(wechat_server):
    channel = WeChatChannel(wechat_config(wechat_server), token_cache=cache)
    assert channel.send(wechat_message(title=CHINESE_TITLE)).outcome is DeliveryOutcome.ACCEPTED
    ours = wechat_server.send_requests[-1].raw
    assert CHINESE_TITLE.encode("utf-8") in ours and b"\\u" not in ours

    token = wechat_server.valid_tokens()[0]
    client = WeChatClient(wechat_server.app_id, wechat_server.app_secret, access_token=token)
    client.API_BASE_URL = wechat_server.base_url + "/cgi-bin/"
    answer = client.message.send_template(
        OPENID, "tmpl-new-article", {"thing1": {"value": CHINESE_TITLE}}, url="https://kp.example.cn/a/1/"
    )
    assert answer["errcode"] == 0  # the fake takes what the SDK sends
    theirs = wechat_server.send_requests[-1].raw
    assert CHINESE_TITLE.encode("utf-8") in theirs and b"\\u" not in theirs

    # requests(json=...) escapes every Chinese character: WeChat would show "\u9ad8\u8840\u538b" to the patient.
    escaped = requests.post(
        f"{wechat_server.base_url}/cgi-bin/message/template/send",
        timeout=10,
        params={"access_token": token},
        json={"touser": OPENID, "template_id": "t", "data": {"thing1": {"value": CHINESE_TITLE}}},
    )
    assert escaped.json()["errcode"] == 47001
    assert len(wechat_server.sent) == 2


# --- the access token ---------------------------------------------------------------------------


def test_token_replaced_by_another_worker_is_reread_without_forcing(wechat_server):
    """Two workers share the cache; WeChat replaced the token behind their back (it expired early)."""
    first = WeChatChannel(wechat_config(wechat_server), token_cache=cache)
    second = WeChatChannel(wechat_config(wechat_server), token_cache=cache)
    first.send(wechat_message(key="k-1"))
    wechat_server.expire_tokens()

    assert second.send(wechat_message(key="k-2")).outcome is DeliveryOutcome.ACCEPTED
    assert first.send(wechat_message(key="k-3")).outcome is DeliveryOutcome.ACCEPTED

    forced = [r.body["force_refresh"] for r in wechat_server.requests if r.path == "/cgi-bin/stable_token"]
    assert forced == [False, False]  # one fetch each time, never forced: nobody's token was invalidated
    assert wechat_server.force_refreshes_today == 0
    assert first.token_fetches + second.token_fetches == 2


def test_concurrent_senders_sharing_the_cache_fetch_one_token(wechat_server):
    channels = [WeChatChannel(wechat_config(wechat_server), token_cache=cache) for _ in range(4)]
    barrier = threading.Barrier(len(channels))

    def send(index: int) -> None:
        barrier.wait()
        channels[index].send(wechat_message(key=f"k-{index}"))

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(channels))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wechat_server.token_requests == 1
    assert len(wechat_server.sent) == 4


def test_force_refresh_invalidates_older_tokens_and_is_limited_per_day(wechat_server):
    wechat_server.force_refresh_limit = 2
    channel = WeChatChannel(wechat_config(wechat_server), token_cache=cache)
    channel.send(wechat_message(key="k-0"))
    old = wechat_server.valid_tokens()
    for number in (1, 2):
        wechat_server.fail_next_send(40001)  # WeChat refuses a token it still hands out: only force helps
        channel.send(wechat_message(key=f"k-{number}"))
    assert wechat_server.force_refreshes_today == 2
    assert not set(old) & set(wechat_server.valid_tokens())  # a forced token ends every earlier one

    wechat_server.fail_next_send(40001)
    with pytest.raises(RetryableChannelError) as caught:
        channel.send(wechat_message(key="k-3"))
    assert caught.value.provider_code == "45009"  # the day's force refreshes are used up
    assert caught.value.retry_after > 0


def test_classic_token_leaves_the_previous_one_valid_for_five_minutes(wechat_server):
    first = WeChatChannel(wechat_config(wechat_server, token_endpoint="classic"))
    second = WeChatChannel(wechat_config(wechat_server, token_endpoint="classic"))  # its own cache: a second token
    first.send(wechat_message(key="k-1"))
    second.send(wechat_message(key="k-2"))
    assert len(wechat_server.valid_tokens()) == 2
    assert first.send(wechat_message(key="k-3")).outcome is DeliveryOutcome.ACCEPTED


# --- keyword rules ---------------------------------------------------------------------------------

VALID = {
    "thing1": "高血压患者的日常饮食",
    "name2": "欧阳娜娜",
    "phone_number3": "+86-0766-66888866",
    "car_number4": "粤A8Z888挂",
    "amount5": "¥108.50元",
    "number6": "12.5",
    "letter7": "ABC",
    "symbol8": "%",
    "character_string9": "INV-2026-0042",
    "time10": "2026年12月2日 15:01",
    "date11": "2026年12月2日",
    "phrase12": "配送中",
}


@pytest.mark.parametrize("keyword", sorted(VALID))
def test_every_keyword_type_round_trips_through_the_strict_fake(wechat_server, keyword):
    config = wechat_config(wechat_server, template_fields={keyword: f"text:{VALID[keyword]}"})
    assert WeChatChannel(config).send(wechat_message()).outcome is DeliveryOutcome.ACCEPTED
    assert wechat_server.sent[0]["data"][keyword]["value"] == VALID[keyword]


@pytest.mark.parametrize(
    ("keyword", "value", "expected"),
    [
        ("thing1", "一二三四五六七八九十一二三四五六七八九十一", "一二三四五六七八九十一二三四五六七八九…"),
        ("name1", "欧阳娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜…"),  # Chinese: 10 characters
        ("name1", "Alexandra Konstantinopolous", "Alexandra Konstanti…"),  # letters: 20
    ],
)
def test_free_text_keywords_are_shortened_to_their_limit(keyword, value, expected):
    assert fit_keyword_value(keyword, value) == expected


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("phone_number1", "call 0766-66888866"),
        ("phone_number1", "+86-0766-668888661234"),
        ("car_number1", "粤A8Z888挂X"),
        ("amount1", "108元5角"),
        ("amount1", "¥12345678901"),
        ("number1", "十二"),
        ("letter1", "ABC1"),
        ("symbol1", "%%%%%%"),
        ("character_string1", "编号42"),
        ("time1", "下午三点"),
        ("date1", "明天"),
        ("phrase1", "正在配送中了"),
        ("phrase1", "ok"),
    ],
)
def test_values_that_cannot_fit_are_refused_before_sending(wechat_server, keyword, value):
    with pytest.raises(KeywordValueError):
        fit_keyword_value(keyword, value)
    config = wechat_config(wechat_server, template_fields={"thing1": "title", keyword: "extra:value"})
    with pytest.raises(PermanentChannelError, match="rejected before sending"):
        WeChatChannel(config).send(wechat_message(extra={"value": value}))
    assert wechat_server.send_requests == []


@pytest.mark.parametrize(
    ("keyword", "value"),
    [("phone_number1", "call me"), ("phrase1", "正在配送中了"), ("name1", "欧阳娜娜娜娜娜娜娜娜娜")],
)
def test_the_fake_refuses_values_outside_the_rules(wechat_server, keyword, value):
    channel = WeChatChannel(wechat_config(wechat_server))
    token = channel._access_token()
    body = json.dumps({"touser": OPENID, "template_id": "t", "data": {keyword: {"value": value}}}, ensure_ascii=False)
    answer = requests.post(
        f"{wechat_server.base_url}/cgi-bin/message/template/send",
        timeout=10,
        params={"access_token": token},
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    ).json()
    assert answer["errcode"] == 47003 and keyword in answer["errmsg"]


# --- subscribe messages ------------------------------------------------------------------------------


def test_service_account_subscribe_message_uses_bizsend(wechat_server):
    wechat_server.subscribed[OPENID] = {"tmpl-sub": "long"}
    channel = WeChatChannel(wechat_config(wechat_server, message_kind="subscribe", template_id="tmpl-sub"))
    for key in ("k-1", "k-2"):  # a long-term subscription carries every message
        assert channel.send(wechat_message(key=key)).outcome is DeliveryOutcome.ACCEPTED
    sent = wechat_server.sent[0]
    assert sent["path"] == "/cgi-bin/message/subscribe/bizsend"
    assert sent["page"] == "https://kp.example.cn/a/hypertension-diet/" and "client_msg_id" not in sent


def test_mini_program_subscribe_message_opens_the_article_page_and_is_used_up(wechat_server):
    wechat_server.subscribed[OPENID] = {"tmpl-sub": "once"}
    config = wechat_config(
        wechat_server,
        message_kind="subscribe",
        account_type="miniprogram",
        template_id="tmpl-sub",
        miniprogram_page="pages/article/index",
        miniprogram_state="trial",
    )
    channel = WeChatChannel(config)
    assert channel.send(wechat_message(key="k-1")).outcome is DeliveryOutcome.ACCEPTED
    sent = wechat_server.sent[0]
    assert sent["path"] == "/cgi-bin/message/subscribe/send"
    assert sent["page"] == "pages/article/index?url=https%3A%2F%2Fkp.example.cn%2Fa%2Fhypertension-diet%2F"
    assert sent["miniprogram_state"] == "trial" and sent["lang"] == "zh_CN"

    with pytest.raises(PermanentChannelError, match="not subscribed") as caught:
        channel.send(wechat_message(key="k-2"))  # the one-time subscription carried its one message
    assert type(caught.value) is PermanentChannelError  # not "contact inactive": they may subscribe again


def test_mini_program_needs_a_page_and_subscribe_messages():
    with pytest.raises(ValueError, match="miniprogram_page"):
        make_config_offline(message_kind="subscribe", account_type="miniprogram")
    with pytest.raises(ValueError, match="subscribe messages"):
        make_config_offline(account_type="miniprogram", miniprogram_page="pages/a/index")


def make_config_offline(**overrides):
    from distribution.channels import WeChatConfig

    return WeChatConfig(app_id="wx1", app_secret="s", template_id="t", **overrides)


# --- mass sends to a tag --------------------------------------------------------------------------------


def test_mass_send_to_a_tag_is_idempotent_on_clientmsgid_and_limited_to_four_a_month(wechat_server):
    wechat_server.tags[101] = {OPENID}
    channel = WeChatChannel(wechat_config(wechat_server))
    first = channel.mass_send_to_tag(
        101, f"{CHINESE_TITLE}\nhttps://kp.example.cn/a/1/", clientmsgid="campaign-7-tag-101"
    )
    again = channel.mass_send_to_tag(
        101, f"{CHINESE_TITLE}\nhttps://kp.example.cn/a/1/", clientmsgid="campaign-7-tag-101"
    )
    assert again.repeated and again.msg_id == first.msg_id and not first.repeated
    assert len(wechat_server.mass_jobs) == 1
    body = [r for r in wechat_server.requests if r.path == "/cgi-bin/message/mass/sendall"][0]
    assert body.body["filter"] == {"is_to_all": False, "tag_id": 101}
    assert body.body["send_ignore_reprint"] == 0 and body.body["clientmsgid"] == "campaign-7-tag-101"

    for number in range(3):
        channel.mass_send_to_tag(101, "第二篇", clientmsgid=f"other-{number}")
    with pytest.raises(PermanentChannelError, match="45028"):
        channel.mass_send_to_tag(101, "第五篇", clientmsgid="other-5")
    with pytest.raises(PermanentChannelError, match="invalid tag"):
        channel.mass_send_to_tag(999, "没有这个标签", clientmsgid="other-6")


# --- the shared rate limit -------------------------------------------------------------------------------


def test_limiters_sharing_a_cache_keep_the_aggregate_rate(wechat_server):
    """Two limiters (as two workers would hold), three threads each, one budget of 40/s."""
    limiters = [SharedRateLimiter(cache, "kepu:rate:test", 40.0) for _ in range(2)]
    moments: list[float] = []
    lock = threading.Lock()

    def take(limiter: SharedRateLimiter) -> None:
        for _ in range(10):
            limiter.acquire()
            with lock:
                moments.append(time.time())

    threads = [threading.Thread(target=take, args=(limiter,)) for limiter in limiters for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    moments.sort()
    # 60 acquisitions, 4 per 0.1 s window: the first window's 4 go at once, the other 56 take 14 windows.
    rate = (len(moments) - limiters[0].per_window) / (moments[-1] - moments[0])
    assert 40.0 * 0.9 <= rate <= 40.0 * 1.1
