"""The share card inside WeChat, in real Chromium with WeChat's user agent: the page asks the studio to sign
its URL and hands the signature and the card (title, summary, link, cover) to the JS-SDK.

WeChat's app is not here, so the JS-SDK file is replaced, in this test only, by a stand-in that records
what the page calls; the studio's signature is checked by the fake WeChat server as the app would check it.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from distribution.sharing.models import share_link_for
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE, orm_usable_beside_playwright
from tests.browser.waiting import wait_for_js
from tests.builders import attach_sample_media, set_up_account
from tests.channel_pool import close_configured_channels
from tests.fakes.wechat_server import FakeWeChatServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2219A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/2247 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
STAND_IN_SDK = """
window.wxCalls = [];
window.wx = window.jWeixin = {
  config: function (c) { wxCalls.push(["config", c]); },
  ready: function (f) { wxCalls.push(["ready"]); setTimeout(f, 0); },
  error: function () {},
  updateAppMessageShareData: function (d) { wxCalls.push(["updateAppMessageShareData", d]); },
  updateTimelineShareData: function (d) { wxCalls.push(["updateTimelineShareData", d]); }
};
"""


@pytest.fixture
def wechat(settings, live_server):
    settings.KEPU_PUBLIC_BASE_URL = live_server.url
    settings.KEPU_DISTRIBUTION = {"channels": {}}
    with FakeWeChatServer() as server:
        yield server
    close_configured_channels()


def test_inside_wechat_the_page_configures_the_share_card(sample_site, live_server, wechat, screenshots):
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    set_up_account(wechat)
    urls = attach_sample_media(sample_site.article_zh, cover=True)
    cache.clear()
    link = share_link_for(sample_site.article_zh, "campaign:9")
    article = sample_site.article_zh
    with orm_usable_beside_playwright(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # An ordinary phone browser: no SDK, no signature request.
            plain = browser.new_context(**PHONE).new_page()
            asked: list[str] = []
            plain.on("request", lambda r: asked.append(r.url))
            plain.goto(live_server.url + link.get_absolute_url(), wait_until="load")
            plain.wait_for_timeout(300)
            assert not [url for url in asked if "wechat-config" in url or "jweixin" in url]

            page = browser.new_context(**PHONE, user_agent=WECHAT_UA).new_page()
            page.route(
                "**/static/js/vendor/jweixin-1.6.0.js",
                lambda route: route.fulfill(status=200, content_type="text/javascript", body=STAND_IN_SDK),
            )
            signing: list = []
            page.on("request", lambda r: signing.append(r) if "wechat-config" in r.url else None)
            page.goto(live_server.url + link.get_absolute_url() + "#share-heading", wait_until="load")
            wait_for_js(page, "window.wxCalls && window.wxCalls.length >= 4")
            calls = page.evaluate("window.wxCalls")
        finally:
            browser.close()

    (request,) = signing
    assert request.method == "POST"
    page_url = live_server.url + link.get_absolute_url()  # the page's URL without its #fragment
    assert request.post_data == "url=" + page_url.replace(":", "%3A").replace("/", "%2F")
    assert [name for name, *_ in calls] == ["config", "ready", "updateAppMessageShareData", "updateTimelineShareData"]
    config = calls[0][1]
    assert config["appId"] == wechat.app_id and config["debug"] is False
    assert set(config["jsApiList"]) == {"updateAppMessageShareData", "updateTimelineShareData"}
    assert wechat.jsapi_signature_ok(
        app_id=config["appId"],
        url=page_url,
        nonce_str=config["nonceStr"],
        timestamp=config["timestamp"],
        signature=config["signature"],
    )
    card = calls[2][1]
    assert card["title"] == article.title and card["desc"] == article.summary[:200]
    assert card["link"] == link.public_url
    assert card["imgUrl"] == live_server.url + urls["cover"]  # the 1200×630 cover card
    assert calls[3][1] == {"title": article.title, "link": link.public_url, "imgUrl": card["imgUrl"]}
