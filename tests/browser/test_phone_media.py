"""The reading page's media in real Chromium: the right file for the screen, one set of captions, seeking
served by byte ranges, large controls in elder mode, and a share card that resolves."""

from __future__ import annotations

import io
import os

import pytest
from django.core.cache import cache
from PIL import Image

from distribution.sharing.models import share_link_for
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, orm_usable_beside_playwright
from tests.browser.waiting import wait_for_js
from tests.builders import attach_sample_media

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDE = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}


def deadline_ms(seconds: float) -> float:
    """A latency budget scaled by how busy the machine is (never below the budget itself)."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    return 1000 * seconds * max(1.0, load)


def watch_media_responses(page) -> list[tuple[str, int, str]]:
    seen: list[tuple[str, int, str]] = []
    page.on(
        "response",
        lambda r: seen.append((r.url, r.status, r.headers.get("content-range", ""))) if "/media/" in r.url else None,
    )
    return seen


def play_muted(page) -> None:
    page.eval_on_selector("#article-video", "v => { v.muted = true; return v.play(); }")
    wait_for_js(page, "document.getElementById('article-video').currentTime > 0.2", timeout_s=15)


def seek_and_time_playback(page, seconds: float) -> float:
    """Seek, then milliseconds until the video plays past the target (measured in the page)."""
    return page.evaluate(
        """(target) => new Promise((resolve) => {
        const v = document.getElementById('article-video');
        const started = performance.now();
        const check = () => v.currentTime > target + 0.2 && !v.paused && !v.seeking
            ? resolve(performance.now() - started) : requestAnimationFrame(check);
        v.currentTime = target;
        requestAnimationFrame(check);
    })""",
        seconds,
    )


@pytest.fixture(autouse=True)
def media_through_the_studio(monkeypatch):
    """Django's live server answers MEDIA_URL itself with ``django.views.static.serve`` (no ranges);
    send those requests to the studio's URLconf instead, as ``manage.py runserver``/WSGI do."""
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


@pytest.fixture
def media_link(sample_site, settings, live_server):
    settings.KEPU_PUBLIC_BASE_URL = live_server.url  # share links and og:image point at this server
    urls = attach_sample_media(sample_site.article_zh, video=True, video_seconds=95, cover=True)
    cache.clear()
    return share_link_for(sample_site.article_zh, "campaign:7"), urls


def test_phone_plays_the_portrait_file_with_one_caption_track_and_seeks_fast(
    phone, live_server, media_link, screenshots
):
    link, urls = media_link
    responses = watch_media_responses(phone)
    phone.goto(live_server.url + link.get_absolute_url(), wait_until="load")

    # The portrait source is the only one left in the element, and its poster is shown.
    assert phone.eval_on_selector_all("#article-video source", "s => s.map(x => x.getAttribute('src'))") == [
        urls["portrait:mp4"]
    ]
    assert phone.get_attribute("#article-video", "poster") == urls["portrait:poster"]
    play_muted(phone)
    assert phone.eval_on_selector("#article-video", "v => v.currentSrc").endswith(urls["portrait:mp4"])
    assert phone.eval_on_selector("#article-video", "v => [v.videoWidth, v.videoHeight]") == [180, 320]
    # One caption mechanism: the clean file plays with exactly one text track, the narration's captions.
    assert phone.eval_on_selector("#article-video", "v => v.textTracks.length") == 1
    assert phone.eval_on_selector("#article-video track", "t => t.getAttribute('src')") == urls["vtt"]
    assert not any(url.endswith(urls["portrait:mp4_captioned"]) for url, _, _ in responses)
    assert not any(url.endswith(urls["landscape:mp4"]) for url, _, _ in responses)  # one download only

    # Seeking to 80 s: the server answers byte ranges, so playback resumes at once.
    waited = seek_and_time_playback(phone, 80)
    assert waited <= deadline_ms(2), f"playback resumed {waited:.0f} ms after seeking to 80 s"
    video_responses = [(status, span) for url, status, span in responses if url.endswith(urls["portrait:mp4"])]
    assert any(status == 206 and span.startswith("bytes ") for status, span in video_responses), video_responses
    phone.eval_on_selector("#article-video", "v => v.pause()")
    phone.locator("#article-video").scroll_into_view_if_needed()
    phone.screenshot(path=str(screenshots / "media-phone.png"))

    # Elder mode: large play/pause and ±15 s buttons drive the player.
    assert not phone.is_visible("[data-controls-for='article-video']")
    phone.get_by_role("button", name="大字模式").click()
    controls = phone.locator("[data-controls-for='article-video']")
    assert controls.is_visible()
    box = controls.get_by_role("button", name="播放").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 80  # large enough for an unsteady finger
    before = phone.eval_on_selector("#article-video", "v => v.currentTime")
    controls.get_by_role("button", name="后退 15 秒").click()
    assert phone.eval_on_selector("#article-video", "v => v.currentTime") == pytest.approx(before - 15, abs=0.5)
    controls.get_by_role("button", name="播放").click()
    wait_for_js(phone, "!document.getElementById('article-video').paused", timeout_s=5)
    assert controls.get_by_role("button", name="暂停").get_attribute("aria-pressed") == "true"
    controls.get_by_role("button", name="暂停").click()
    assert phone.eval_on_selector("#article-video", "v => v.paused")
    controls.scroll_into_view_if_needed()
    phone.screenshot(path=str(screenshots / "media-phone-elder.png"))
    assert phone.locator("[data-controls-for='article-audio']").is_visible()

    # The share card: og:image is absolute and resolves to the 1200×630 cover.
    og_image = phone.get_attribute("meta[property='og:image']", "content")
    assert og_image.startswith("http") and og_image.endswith(urls["cover"])
    card = phone.request.get(og_image)
    assert card.status == 200 and card.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(card.body())) as picture:
        assert picture.size == (1200, 630)
    assert phone.get_attribute("meta[property='og:url']", "content") == link.public_url
    icon = phone.request.get(live_server.url + phone.get_attribute("link[rel='apple-touch-icon']", "href"))
    assert icon.status == 200 and icon.headers["content-type"] == "image/png"


def test_wide_screen_plays_the_landscape_file(sample_site, live_server, media_link, screenshots):
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    link, urls = media_link
    with orm_usable_beside_playwright(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(**WIDE).new_page()
        try:
            responses = watch_media_responses(page)
            page.goto(live_server.url + link.get_absolute_url(), wait_until="load")
            assert page.get_attribute("#article-video", "poster") == urls["landscape:poster"]
            play_muted(page)
            assert page.eval_on_selector("#article-video", "v => v.currentSrc").endswith(urls["landscape:mp4"])
            assert page.eval_on_selector("#article-video", "v => [v.videoWidth, v.videoHeight]") == [320, 180]
            assert page.eval_on_selector("#article-video", "v => v.textTracks.length") == 1
            assert not any(url.endswith(urls["portrait:mp4"]) for url, _, _ in responses)
            waited = seek_and_time_playback(page, 80)
            assert waited <= deadline_ms(2), f"playback resumed {waited:.0f} ms after seeking to 80 s"
            page.eval_on_selector("#article-video", "v => v.pause()")
            page.locator("#article-video").scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "media-wide.png"))
        finally:
            browser.close()


def test_a_late_poster_moves_nothing_on_the_phone(phone, live_server, media_link):
    """The player's box is sized by the layout, not by the poster: on a slow phone the poster arrives after
    the first paint, and the text below the video must not jump when it does (Lighthouse's CLS)."""
    link, urls = media_link
    held = []
    phone.route("**" + urls["portrait:poster"], lambda route: held.append(route))
    phone.add_init_script("""window.kepuShifts = 0; new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.kepuShifts += entry.value;
    }).observe({type: 'layout-shift', buffered: true});""")
    phone.goto(live_server.url + link.get_absolute_url(), wait_until="domcontentloaded")
    deadline = 50
    while not held and deadline:
        phone.wait_for_timeout(100)
        deadline -= 1
    assert held, "the page never asked for the poster"
    boxes = (
        "() => ['#article-video', '.player__downloads', '.prose'].map(s => { const r = document.querySelector(s)"
        ".getBoundingClientRect(); return [Math.round(r.top), Math.round(r.width), Math.round(r.height)]; })"
    )
    before = phone.evaluate(boxes)
    assert before[0][1] > 300  # the video already takes the column's width
    held[0].continue_()
    wait_for_js(
        phone,
        "(url) => performance.getEntriesByType('resource').some(e => e.name.endsWith(url) && e.responseEnd > 0)",
        urls["portrait:poster"],
    )
    phone.wait_for_timeout(200)  # a frame or two for the poster to be laid out
    assert phone.evaluate(boxes) == before
    assert phone.evaluate("window.kepuShifts") < 0.01
