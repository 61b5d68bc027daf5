"""The WeChat share card of a reading page: the JS-SDK signature, against a local server that speaks the ticket API.

The WeChat account is the one on the Channels screen; the fake is strict like the platform (a missing,
unknown or expired access token is refused with its errcode) and checks the signature as the WeChat app
does at ``wx.config``. The signature is compared field by field with wechatpy's implementation.
"""

from __future__ import annotations

import logging
import secrets
import time

import pytest
import requests
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.client.api.jsapi import WeChatJSAPI

from distribution.channels.wechat_jsapi import jsapi_signature
from distribution.sharing.models import share_link_for
from tests.builders import set_up_account
from tests.channel_pool import close_configured_channels
from tests.fakes.wechat_server import FakeWeChatServer

pytestmark = pytest.mark.django_db

PUBLIC_BASE = "https://kp.example.cn"


@pytest.fixture
def wechat(settings):
    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    settings.KEPU_DISTRIBUTION = {"channels": {}}
    with FakeWeChatServer() as server:
        yield server
    close_configured_channels()


def sign(client, link, url, **headers):
    return client.post(f"/s/{link.token}/wechat-config/", {"url": url}, **headers)


def test_the_page_signs_its_own_url_with_wechats_ticket(client, site, wechat):
    set_up_account(wechat)
    link = share_link_for(site.article_zh, "campaign:3")
    page = client.get(link.get_absolute_url()).content.decode()
    assert f'data-wechat-share="/s/{link.token}/wechat-config/"' in page
    assert 'data-wechat-sdk="/static/js/vendor/jweixin-1.6.0.js"' in page

    # What a shared link looks like when opened from a chat: WeChat appends from= and isappinstalled=.
    url = f"{link.public_url}?from=singlemessage&isappinstalled=0"
    answer = sign(client, link, url)
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    signed = answer.json()
    assert set(signed) == {"appId", "timestamp", "nonceStr", "signature"}
    assert signed["appId"] == wechat.app_id and abs(signed["timestamp"] - time.time()) < 600
    assert wechat.jsapi_signature_ok(
        app_id=signed["appId"],
        url=url,
        nonce_str=signed["nonceStr"],
        timestamp=signed["timestamp"],
        signature=signed["signature"],
    )
    (ticket,) = wechat.valid_tickets()
    # wechatpy, the Python SDK: same ticket, noncestr, timestamp and url give the same signature.
    assert (
        WeChatJSAPI(None).get_jsapi_signature(signed["nonceStr"], ticket, signed["timestamp"], url)
        == signed["signature"]
    )

    (fetch,) = wechat.ticket_requests
    assert fetch.method == "GET" and fetch.query["type"] == "jsapi"
    assert fetch.query["access_token"] in wechat.valid_tokens()  # the campaigns' access token, fetched once
    assert wechat.token_requests == 1

    # The ticket is kept in the shared cache: a second reader costs WeChat nothing and gets a new nonce.
    again = sign(client, link, link.public_url).json()
    assert len(wechat.ticket_requests) == 1 and wechat.token_requests == 1
    assert again["nonceStr"] != signed["nonceStr"]
    assert wechat.jsapi_signature_ok(
        app_id=again["appId"],
        url=link.public_url,
        nonce_str=again["nonceStr"],
        timestamp=again["timestamp"],
        signature=again["signature"],
    )


def test_wechatpy_gets_the_same_ticket_from_the_fake(wechat):
    """The fake speaks getticket as the platform does for its own SDK (wechatpy's client; wechatpy fetches
    tokens from a fixed address, so it is handed one from the fake's classic token endpoint)."""
    token = requests.get(
        wechat.base_url + "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": wechat.app_id, "secret": wechat.app_secret},
        timeout=5,
    ).json()
    sdk = WeChatClient(wechat.app_id, wechat.app_secret, access_token=token["access_token"])
    sdk.API_BASE_URL = wechat.base_url + "/cgi-bin/"
    ticket = sdk.jsapi.get_jsapi_ticket()
    assert ticket in wechat.valid_tickets()
    assert [r.query["type"] for r in wechat.ticket_requests] == ["jsapi"]


def test_signature_matches_wechatpy_and_the_documented_example():
    # The example of the JS-SDK documentation (附录1).
    assert (
        jsapi_signature(
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            "Wm3WZYTPz0wzccnW",
            1414587457,
            "http://mp.weixin.qq.com?params=value",
        )
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )
    sdk = WeChatJSAPI(None)
    for n in range(200):
        ticket, nonce = secrets.token_urlsafe(60), secrets.token_hex(8)
        timestamp = 1_700_000_000 + n * 977
        url = f"https://kp.example.cn/s/{secrets.token_urlsafe(16)}/?lang=en&from=timeline&q=高血压{n}"
        assert jsapi_signature(ticket, nonce, timestamp, url) == sdk.get_jsapi_signature(nonce, ticket, timestamp, url)
    with pytest.raises(ValueError):
        jsapi_signature("t", "n", 1, "https://kp.example.cn/s/abc/#top")


def test_the_fake_refuses_getticket_as_wechat_does(wechat):
    base = wechat.base_url + "/cgi-bin/ticket/getticket"
    assert requests.get(base, params={"type": "jsapi"}, timeout=5).json()["errcode"] == 41001
    assert requests.get(base, params={"type": "jsapi", "access_token": "made-up"}, timeout=5).json()["errcode"] == 40001
    token = requests.get(
        wechat.base_url + "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": wechat.app_id, "secret": wechat.app_secret},
        timeout=5,
    ).json()
    assert (
        requests.get(base, params={"type": "card", "access_token": token["access_token"]}, timeout=5).json()["errcode"]
        == 40097
    )
    wechat.expire_tokens()
    assert (
        requests.get(base, params={"type": "jsapi", "access_token": token["access_token"]}, timeout=5).json()["errcode"]
        == 42001
    )


def test_an_expired_token_is_replaced_and_an_expired_ticket_fetched_again(client, site, settings):
    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    settings.KEPU_DISTRIBUTION = {"channels": {}}
    # Tickets that live two seconds: the cached one is refreshed after one (half its life).
    with FakeWeChatServer(ticket_lifetime_s=2) as wechat:
        try:
            set_up_account(wechat)
            link = share_link_for(site.article_zh)
            assert sign(client, link, link.public_url).status_code == 200
            first_token = wechat.ticket_requests[0].query["access_token"]
            # WeChat expires the access token the studio still holds in its cache: getticket answers 42001,
            # the channel takes a new token and asks again.
            wechat.expire_tokens()
            time.sleep(1.1)
            second = sign(client, link, link.public_url).json()
            codes = [r.query["access_token"] for r in wechat.ticket_requests]
            assert len(codes) == 3 and codes[1] == first_token and codes[2] != first_token
            assert wechat.token_requests == 2
            assert wechat.jsapi_signature_ok(
                app_id=second["appId"],
                url=link.public_url,
                nonce_str=second["nonceStr"],
                timestamp=second["timestamp"],
                signature=second["signature"],
            )
        finally:
            close_configured_channels()


def test_only_the_links_own_page_is_signed(client, site, wechat, caplog):
    set_up_account(wechat)
    link = share_link_for(site.article_zh)
    other = share_link_for(site.article_en)
    caplog.set_level(logging.DEBUG)
    refused = {
        "another site": "https://evil.example.com" + link.get_absolute_url(),
        "plain http": link.public_url.replace("https://", "http://"),
        "another port": PUBLIC_BASE + ":8443" + link.get_absolute_url(),
        "another link's page": other.public_url,
        "another page of the studio": PUBLIC_BASE + "/admin/",
        "a sub-path": link.public_url + "qr.svg",
        "with its #fragment": link.public_url + "#share",
        "credentials in the URL": link.public_url.replace("https://", "https://user:pw@"),
        "nothing": "",
        "too long": link.public_url + "?q=" + "x" * 1100,
    }
    for reason, url in refused.items():
        answer = sign(client, link, url)
        assert answer.status_code in (400, 413), reason
        assert "signature" not in answer.json(), reason
    assert sign(client, link, link.public_url, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert sign(client, link, link.public_url, HTTP_ORIGIN="https://evil.example.com").status_code == 403
    assert client.get(f"/s/{link.token}/wechat-config/", {"url": link.public_url}).status_code == 405
    assert client.post("/s/not-a-token/wechat-config/", {"url": link.public_url}).status_code == 404
    assert client.post("/s/" + "A" * 22 + "/wechat-config/", {"url": link.public_url}).status_code == 404
    assert not wechat.ticket_requests  # nothing refused reached WeChat
    link.revoke()
    assert sign(client, link, link.public_url).status_code == 410
    # No share token and no page URL in the log.
    assert link.token not in caplog.text and other.token not in caplog.text


def test_no_share_card_without_a_service_account(client, site, wechat):
    link = share_link_for(site.article_zh)
    assert "data-wechat-share" not in client.get(link.get_absolute_url()).content.decode()
    assert sign(client, link, link.public_url).status_code == 404
    # A mini program has no JS-SDK for web pages.
    set_up_account(
        wechat,
        wechat_account_type="miniprogram",
        wechat_message_kind="subscribe",
        wechat_miniprogram_page="pages/article/index",
    )
    cache.clear()
    assert "data-wechat-share" not in client.get(link.get_absolute_url()).content.decode()
    assert sign(client, link, link.public_url).status_code == 404
    assert not wechat.requests


def test_wechat_not_answering_gives_a_retry_not_an_error_page(client, site, wechat):
    set_up_account(wechat, wechat_app_secret="wrong-secret")
    link = share_link_for(site.article_zh)
    answer = sign(client, link, link.public_url)
    assert answer.status_code == 503 and answer.json() == {"error": "the WeChat account cannot sign pages now"}


def test_malformed_requests_get_a_clear_refusal_never_a_server_error(client, site, wechat):
    import random

    from tests.reliability.bad_input import NASTY_STRINGS, random_junk

    set_up_account(wechat)
    link = share_link_for(site.article_zh)
    rng = random.Random(20261202)
    statuses = []
    for junk in [*NASTY_STRINGS, *(random_junk(rng) for _ in range(150))]:
        for url in (junk, link.public_url + junk, PUBLIC_BASE + "/s/" + junk):
            if "\x00" in url:  # Django's test client refuses NUL in form data; a browser never sends it either
                continue
            answer = client.post(f"/s/{link.token}/wechat-config/", {"url": url})
            statuses.append(answer.status_code)
            if answer.status_code == 200:  # only the link's own page, with some query
                assert url.startswith(link.public_url + "?") or url == link.public_url, url
    posted = [
        client.post(f"/s/{link.token}/wechat-config/", data=raw, content_type=kind).status_code
        for raw, kind in (
            (b"\xff\xfe" * 50, "application/x-www-form-urlencoded"),
            (b"{" * 3000, "application/json"),
            (b"url=" + b"%" * 900, "application/x-www-form-urlencoded"),
        )
    ]
    assert all(status < 500 for status in statuses + posted), sorted(set(statuses + posted))
    assert set(statuses) <= {200, 400, 413} and set(posted) <= {400, 413}


def test_processes_sharing_redis_fetch_one_ticket(wechat):
    """Two channel clients (as two server processes would hold) on one Redis: one token, one ticket, many readers."""
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from django.core.cache.backends.redis import RedisCache

    from distribution.channels import get_channel
    from tests.distribution.campaigns.worker_processes import redis_answers

    if not redis_answers():
        pytest.skip("Redis is not answering on 127.0.0.1:6379")
    prefix = f"kepu-test-{uuid.uuid4().hex[:8]}"
    shared = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": prefix})
    config = {
        "app_id": wechat.app_id,
        "app_secret": wechat.app_secret,
        "template_id": "tmpl-share",
        "api_base": wechat.base_url,
    }
    clients = [get_channel("wechat", config, token_cache=shared) for _ in range(2)]
    try:
        with ThreadPoolExecutor(8) as pool:
            tickets = set(pool.map(lambda n: clients[n % 2].jsapi_ticket(), range(32)))
        assert len(tickets) == 1 and tickets <= set(wechat.valid_tickets())
        assert len(wechat.ticket_requests) == 1 and wechat.token_requests == 1
        assert sum(client.ticket_fetches for client in clients) == 1
    finally:
        for client in clients:
            client.close()
        import redis  # only this test's keys: other runs may share the database

        server = redis.Redis.from_url("redis://127.0.0.1:6379/14")
        keys = list(server.scan_iter(match=f"{prefix}:*"))
        if keys:
            server.delete(*keys)


def test_a_broken_distribution_setting_leaves_the_reading_page_up(client, site, settings, monkeypatch):
    del settings.KEPU_DISTRIBUTION
    monkeypatch.setenv("KEPU_DISTRIBUTION_JSON", "{not json")
    link = share_link_for(site.article_zh)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200 and "data-wechat-share" not in response.content.decode()
    assert sign(client, link, link.public_url).status_code == 404
