"""In real Chromium, in Chinese: a doctor whose article came back with changes requested sees the editor's
comment in a banner at the top of the editor, the check findings in the Checks side panel beside the text,
each finding scrolling to its block, and a warning before submitting a draft with errors again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from wagtail.models import TaskState

from cms.moderation.approval import request_changes
from cms.moderation.reports import check_revision
from tests.browser.admin_pages import log_in, open_admin, snap
from tests.builders import FORBIDDEN_CLAIM, submitted_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COMMENT = "“根治”“无效退款”属于违规的疗效承诺，请删去，并写明饮食建议出自哪部指南。"
LONG_PARAGRAPHS = "".join(f"<p>第 {n} 段：坚持每天按时服药，不要自己停药。每天盐不超过 5 克。</p>" for n in range(1, 9))


@pytest.fixture
def rejected_article(admin_studio):
    article = submitted_article(
        admin_studio, title="降压药怎么吃", paragraph_html=LONG_PARAGRAPHS + f"<p>{FORBIDDEN_CLAIM}。</p>"
    )
    check_revision(article.get_latest_revision())
    request_changes(article.current_workflow_task_state, admin_studio.editor, comment=COMMENT)
    return article


def in_viewport(locator) -> bool:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; }"
    )


def test_doctor_sees_the_change_request_and_the_findings_beside_the_text(
    browser, live_server, admin_studio, rejected_article, screenshots
):
    doctor = log_in(browser, live_server, admin_studio.doctor)
    open_admin(doctor, live_server, f"/admin/pages/{rejected_article.pk}/edit/")
    doctor.wait_for_load_state("load")

    # The banner is the first thing in the editor, on screen without scrolling, with the editor's words.
    banner = doctor.locator("[data-review-banner]")
    banner.wait_for(state="visible")
    assert in_viewport(banner.locator("[data-review-comment]"))
    assert COMMENT in banner.inner_text() and "陈编辑" in banner.inner_text()
    assert banner.locator("li[data-severity=error]").count() >= 1

    # The Checks side panel opened by itself beside the text, findings first, placed in words.
    side_panel = doctor.locator('[data-side-panel="checks"]')
    side_panel.locator("[data-moderation-check-results]").wait_for(state="visible")
    results = side_panel.locator("[data-moderation-check-results]")
    assert results.locator("[data-verdict]").get_attribute("data-verdict") == "errors"
    editor_box = doctor.locator("#id_title").bounding_box()
    panel_box = results.bounding_box()
    assert panel_box["x"] > editor_box["x"] + editor_box["width"] - 5  # beside the text, not below it
    first_error = results.locator("li[data-severity=error]").first
    place = first_error.locator("[data-finding-place]").inner_text()
    assert "block" not in place and "chars" not in place
    assert any(mark in place for mark in ("“", "「"))  # it quotes the start of the paragraph
    snap(doctor, screenshots / "admin-review-banner-and-side-panel.png")

    # A finding scrolls the editor to its block (the ninth paragraph, below the fold) and marks it.
    block_id = first_error.locator("a").get_attribute("data-kepu-goto-block")
    block = doctor.locator(f'[data-streamfield-child][data-contentpath="{block_id}"]')
    first_error.locator("a").click()
    expect(block).to_be_in_viewport()
    assert "kepu-goto-highlight" in (block.get_attribute("class") or "")
    assert FORBIDDEN_CLAIM in block.inner_text()
    snap(doctor, screenshots / "admin-finding-scrolled-to-block.png")

    # Submitting again while the last saved draft has errors asks first; saying no submits nothing.
    doctor.locator("footer .w-dropdown__toggle").click()
    asked: list[str] = []
    doctor.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    doctor.locator("footer button[name=action-submit]").click()  # returns once the dialog was answered
    error_count = results.get_attribute("data-error-count")
    assert int(error_count) >= 1 and asked and error_count in asked[0]
    doctor.locator("footer .w-dropdown__toggle").wait_for(state="visible")  # still on the editor page
    assert doctor.url.endswith(f"/admin/pages/{rejected_article.pk}/edit/")
    latest = rejected_article.current_workflow_state
    latest.refresh_from_db()
    assert latest.status == latest.STATUS_NEEDS_CHANGES
    assert TaskState.objects.filter(workflow_state=latest, status=TaskState.STATUS_IN_PROGRESS).count() == 0
