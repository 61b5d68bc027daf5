"""The Wagtail admin in a desktop browser window: signing in, opening pages, reading messages, the editor's panels.

Shared by the browser tests that walk through the admin (tests/browser/test_admin_flows.py and the paths that pass
through it).
"""

from __future__ import annotations

from tests.admin_language import admin_text
from tests.browser.waiting import wait_for_js
from tests.builders import password_of

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def log_in(browser, live_server, user):
    """A fresh desktop browser window in which ``user`` signs in through the admin's login form."""
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password_of(user.username))
    page.get_by_role("button", name=admin_text("Sign in")).click()
    page.wait_for_url(live_server.url + "/admin/")
    return page


def open_admin(page, live_server, path: str):
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200, path
    return page


def admin_message(page) -> str:
    """The text of the admin's flash messages (success, warning, error) at the top of the page."""
    return page.locator(".messages").inner_text()


def snap(page, path, *, full_page: bool = False) -> None:
    """A screenshot once the admin's transitions (messages sliding in, dialogs fading) have finished.

    Admin pages scroll inside their own panes, so only public pages gain from ``full_page``."""
    # One-shot ones only: the help menu's badge pings for half a minute. Awaited through evaluate, which the
    # admin's Content-Security-Policy allows (wait_for_function compiles its predicate with eval, which it refuses).
    page.evaluate(
        "() => Promise.all(document.getAnimations()"
        ".filter(animation => animation.effect && animation.effect.getTiming().iterations === 1)"
        ".map(animation => animation.finished.catch(() => null)))"
    )
    page.screenshot(path=str(path), full_page=full_page)


def footer_actions(page) -> list[str]:
    """Labels of every button in the editor's action menu, after opening its "more actions" dropdown."""
    page.locator("footer .w-dropdown__toggle").click()
    buttons = page.locator("footer .w-dropdown-button button:not(.w-dropdown__toggle)")
    return [label.strip() for label in buttons.all_inner_texts()]


def show_check_panel(page):
    """Open the editor's Checks side panel (beside the text) and return the health-content results in it."""
    page.wait_for_load_state("load")  # the editor opens the panel itself on load when there is something to fix
    side_panel = page.locator('[data-side-panel="checks"]')
    if side_panel.get_attribute("hidden") is not None:
        page.locator('[data-side-panel-toggle="checks"]').click()
    panel = side_panel.locator("[data-moderation-check-results]")
    panel.wait_for(state="visible")
    return panel


def type_into_first_paragraph(page, text: str) -> None:
    """Type at the end of the body's first rich-text paragraph, as a person does in Draftail."""
    editor = page.locator("[data-contentpath=body] .public-DraftEditor-content").first
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    # Draftail writes the block's content to its hidden input a moment after the last keystroke.
    wait_for_js(
        page,
        "text => [...document.querySelectorAll('[data-contentpath=body] input[type=hidden]')]"
        ".some(input => input.value.includes(text))",
        text,
    )
