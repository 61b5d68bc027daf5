"""Public pages in headless Chromium on a 390×844 phone: layout, CJK fonts, elder mode, keyboard, print."""

from __future__ import annotations

import pytest

from tests.browser.phone import CJK_FONT_FAMILIES, font_size, horizontal_overflow, platform_fonts
from tests.browser.waiting import wait_for_js

# serialized_rollback: flushing between tests would also drop the page-tree root that migrations create.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def open_page(phone, live_server, path: str):
    response = phone.goto(live_server.url + path, wait_until="load")
    assert response is not None and response.status == 200, path
    return phone


@pytest.mark.parametrize("language", ["zh", "en"])
def test_article_fits_a_phone_screen(phone, live_server, sample_site, screenshots, language):
    article = sample_site.article_zh if language == "zh" else sample_site.article_en
    open_page(phone, live_server, article.url)
    assert phone.get_attribute("html", "lang") == ("zh-Hans" if language == "zh" else "en")
    assert horizontal_overflow(phone) <= 0
    # The illustration loads (lazily, once scrolled to) and is no wider than the screen.
    image = phone.locator("figure img")
    if language == "zh":
        image.scroll_into_view_if_needed()
        wait_for_js(phone, "document.querySelector('figure img').complete")
        box = image.bounding_box()
        assert box["width"] > 0 and box["x"] + box["width"] <= 390
        assert phone.eval_on_selector("figure img", "img => img.naturalWidth") > 0
        assert phone.eval_on_selector("figure img", "img => img.currentSrc").endswith(".webp")
    phone.screenshot(path=str(screenshots / f"article-{language}.png"), full_page=True)


def test_chinese_text_is_drawn_with_a_cjk_font(phone, live_server, sample_site, screenshots):
    open_page(phone, live_server, sample_site.article_zh.url)
    heading = phone.locator("h1")
    box = heading.bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    fonts = platform_fonts(phone, "h1")
    cjk_glyphs = sum(count for family, count in fonts.items() if family.startswith(CJK_FONT_FAMILIES))
    assert cjk_glyphs == len("高血压患者怎样吃得更健康"), fonts
    heading.screenshot(path=str(screenshots / "article-zh-heading.png"))


def test_elder_mode_enlarges_text_and_is_remembered(phone, live_server, sample_site, screenshots):
    open_page(phone, live_server, sample_site.article_zh.url)
    toggle = phone.get_by_role("button", name="大字模式")
    assert toggle.get_attribute("aria-pressed") == "false"
    normal = font_size(phone, ".prose p")

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    enlarged = font_size(phone, ".prose p")
    assert enlarged >= normal * 1.2

    phone.reload(wait_until="load")
    toggle = phone.get_by_role("button", name="大字模式")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert font_size(phone, ".prose p") == enlarged
    assert horizontal_overflow(phone) <= 0
    phone.screenshot(path=str(screenshots / "article-zh-elder.png"), full_page=True)

    # Another page of the site remembers it too; switching off restores the normal size.
    open_page(phone, live_server, sample_site.hypertension_zh.url)
    assert phone.evaluate("document.documentElement.classList.contains('elder')")
    phone.get_by_role("button", name="大字模式").click()
    open_page(phone, live_server, sample_site.article_zh.url)
    assert font_size(phone, ".prose p") == normal


def test_first_tab_reaches_a_visible_skip_link(phone, live_server, sample_site):
    open_page(phone, live_server, sample_site.article_en.url)
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    box = phone.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] > 0
    outline = phone.eval_on_selector(".skip-link", "a => getComputedStyle(a).outlineStyle")
    assert outline == "solid"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"


OTHER_PAGES = {
    "home-zh": "/",
    "home-en": "/en/",
    "encyclopedia-zh": "/encyclopedia/",
    "encyclopedia-en": "/en/encyclopedia/?letter=G",
    "entry-zh": "/encyclopedia/hypertension/",
    "entry-en": "/en/encyclopedia/gout/",
    "search-zh": "/search/?q=血压",
    "search-en-none": "/search/?q=qqqzzz&lang=en",
    "doctor-zh": "/doctors/dr-zhang/",
    "doctor-en": "/doctors/dr-zhang/?lang=en",
}


def test_other_pages_fit_a_phone_screen(phone, live_server, sample_site, screenshots):
    """One browser for all of them: each page is checked and photographed, failures listed together."""
    overflowing = {}
    for name, path in OTHER_PAGES.items():
        open_page(phone, live_server, path)
        phone.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        if horizontal_overflow(phone) > 0:
            overflowing[name] = horizontal_overflow(phone)
    assert overflowing == {}


def test_print_layout_drops_the_site_chrome_and_opens_answers(phone, live_server, sample_site, screenshots):
    open_page(phone, live_server, sample_site.article_zh.url)
    phone.emulate_media(media="print")
    assert phone.eval_on_selector(".site-header", "node => getComputedStyle(node).display") == "none"
    assert phone.is_visible(".site-footer .disclaimer")
    phone.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert phone.is_visible(".qa__answer")
    phone.screenshot(path=str(screenshots / "article-zh-print.png"), full_page=True)
