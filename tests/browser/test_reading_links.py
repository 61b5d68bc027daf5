"""A patient opens a shared link on a 390×844 phone in headless Chromium: reads, listens, speeds up, enlarges."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from distribution.sharing.models import ReadStat, share_link_for
from tests.browser.phone import (
    CJK_FONT_FAMILIES,
    font_size,
    horizontal_overflow,
    platform_fonts,
)
from tests.browser.waiting import wait_for_js
from tests.builders import attach_sample_media

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def open_link(phone, live_server, link, query: str = ""):
    response = phone.goto(live_server.url + link.get_absolute_url() + query, wait_until="load")
    assert response is not None and response.status == 200
    return response


def wait_for_count(phone, link, column: str, at_least: int = 1) -> int:
    """Beacons are asynchronous: poll the daily counter (bounded) instead of sleeping."""
    for _ in range(50):
        stat = ReadStat.objects.filter(link=link).first()
        if stat is not None and getattr(stat, column) >= at_least:
            return getattr(stat, column)
        phone.wait_for_timeout(100)
    stat = ReadStat.objects.filter(link=link).first()
    return getattr(stat, column) if stat else 0


def test_patient_reads_and_listens_in_chinese(phone, live_server, sample_site, screenshots):
    cache.clear()
    urls = attach_sample_media(sample_site.article_zh, video=True)
    link = share_link_for(sample_site.article_zh, "campaign:1")
    response = open_link(phone, live_server, link)
    assert "public" in response.headers["cache-control"]
    assert phone.get_attribute("html", "lang") == "zh-Hans"
    assert horizontal_overflow(phone) <= 0
    fonts = platform_fonts(phone, "h1")
    assert sum(n for family, n in fonts.items() if family.startswith(CJK_FONT_FAMILIES)) == len(
        "高血压患者怎样吃得更健康"
    )
    assert wait_for_count(phone, link, "views") == 1

    # Speed buttons: keyboard reachable, one pressed at a time, and they set the player's rate.
    speeds = phone.locator("[data-speed-for] button")
    assert speeds.count() == 4 and phone.is_visible("[data-speed-for]")
    speeds.nth(3).focus()
    phone.keyboard.press("Enter")
    assert (
        speeds.nth(3).get_attribute("aria-pressed") == "true" and speeds.nth(1).get_attribute("aria-pressed") == "false"
    )
    assert phone.eval_on_selector("#article-audio", "a => a.playbackRate") == 1.5
    phone.keyboard.press("Shift+Tab")
    phone.keyboard.press("Space")
    assert phone.eval_on_selector("#article-audio", "a => a.playbackRate") == 1.25

    # Play the real MP3 to the end at 1.25×; the rate survives the load that preload="none" deferred.
    audio = phone.locator("#article-audio")
    audio.scroll_into_view_if_needed()
    phone.eval_on_selector("#article-audio", "a => a.play()")
    wait_for_js(phone, "document.getElementById('article-audio').ended", timeout_s=15)
    assert phone.eval_on_selector("#article-audio", "a => a.playbackRate") == 1.25
    assert phone.eval_on_selector("#article-audio", "a => a.duration") > 0.5
    assert phone.eval_on_selector("#article-audio", "a => a.currentSrc").endswith(urls["mp3"])
    assert wait_for_count(phone, link, "audio_plays") == 1 and wait_for_count(phone, link, "audio_completions") == 1

    # The video carries its captions track, which the browser loads as a text track.
    assert phone.eval_on_selector("#article-video track", "t => t.kind + ' ' + t.srclang") == "captions zh-Hans"
    phone.eval_on_selector("#article-video", "v => { v.muted = true; return v.play(); }")
    wait_for_js(phone, "document.querySelector('#article-video track').readyState === 2", timeout_s=10)
    assert phone.eval_on_selector("#article-video", "v => v.textTracks[0].cues.length") == 1
    assert wait_for_count(phone, link, "video_plays") == 1
    phone.eval_on_selector("#article-video", "v => v.pause()")
    phone.screenshot(path=str(screenshots / "share-link-zh.png"), full_page=True)

    # Elder mode on the shared page: larger text, still no sideways scrolling.
    normal = font_size(phone, ".prose p")
    phone.get_by_role("button", name="大字模式").click()
    assert font_size(phone, ".prose p") >= normal * 1.2
    assert horizontal_overflow(phone) <= 0
    phone.screenshot(path=str(screenshots / "share-link-zh-elder.png"), full_page=True)

    # The printable version keeps the QR code (drawn) and drops the players.
    open_link(phone, live_server, link, "?print=1")
    assert phone.locator("audio").count() == 0
    assert phone.eval_on_selector(".share-qr img", "img => img.complete && img.naturalWidth") > 0
    phone.screenshot(path=str(screenshots / "share-link-zh-print.png"), full_page=True)


def test_patient_reads_in_english_and_a_revoked_link_explains_itself(phone, live_server, sample_site, screenshots):
    cache.clear()
    attach_sample_media(sample_site.article_en)
    link = share_link_for(sample_site.article_en)
    open_link(phone, live_server, link)
    assert phone.get_attribute("html", "lang") == "en"
    assert phone.inner_text("h1") == "Eating well with high blood pressure"
    assert phone.get_by_role("group", name="Playback speed").is_visible()
    assert horizontal_overflow(phone) <= 0
    phone.screenshot(path=str(screenshots / "share-link-en.png"), full_page=True)

    # The same Chinese link read in English (?lang=en) shows the English translation.
    chinese_link = share_link_for(sample_site.article_zh)
    open_link(phone, live_server, chinese_link, "?lang=en")
    assert phone.inner_text("h1") == "Eating well with high blood pressure"

    link.revoke()
    response = phone.goto(live_server.url + link.get_absolute_url(), wait_until="load")
    assert response.status == 410
    assert phone.inner_text("h1") == "This link no longer works"
    assert phone.get_by_role("link", name="See the doctor's page and other articles").is_visible()
    assert horizontal_overflow(phone) <= 0
    phone.screenshot(path=str(screenshots / "share-link-revoked-en.png"), full_page=True)
