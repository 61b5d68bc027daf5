"""The Wagtail admin in headless Chromium at a desktop size: a doctor writes, an editor reviews and publishes.

Each person works in their own browser context (own cookies), as two people at two computers would; the admin
is in Chinese, as the browser asks for it. Labels of Wagtail's own buttons are looked up through Django's
translation catalogue rather than spelled out, so the tests follow the admin's language.
"""

from __future__ import annotations

import pytest
from wagtail.models import TaskState

from cms.articles.models import Article
from cms.moderation.models import ApprovalOverride
from distribution.sharing.models import ShareLink
from tests.admin_language import admin_text
from tests.browser.admin_pages import (
    DESKTOP,
    admin_message,
    footer_actions,
    log_in,
    open_admin,
    show_check_panel,
    snap,
    type_into_first_paragraph,
)
from tests.browser.waiting import wait_for_js
from tests.builders import FORBIDDEN_CLAIM, published_article_with_media_jobs, submitted_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_TITLE = "高血压患者的日常管理"
OVERRIDE_REASON = "已与作者核实：此句为引用的虚假广告反例，正文下一段即予以驳斥。"


REACHABLE_SCRIPT = """element => {
    // A person can reach the element unless a box that does not scroll sideways cuts it off.
    const mine = element.getBoundingClientRect();
    for (let node = element.parentElement; node; node = node.parentElement) {
        const overflow = getComputedStyle(node).overflowX;
        if (overflow === 'auto' || overflow === 'scroll') return true;
        const box = node.getBoundingClientRect();
        if ((overflow === 'hidden' || overflow === 'clip') && (mine.right > box.right + 1 || mine.left < box.left - 1))
            return false;
    }
    return mine.left + window.scrollX >= 0;  // the page itself scrolls to anything right of or below the window
}"""


def reachable(locator) -> bool:
    """Whether the element is on screen or can be scrolled to, rather than cut off by the layout."""
    return locator.evaluate(REACHABLE_SCRIPT)


def click_sidebar(page, *labels: str) -> None:
    """Follow the admin's main menu, e.g. ("Moderation", "Review queue")."""
    for label in labels:
        page.locator("#wagtail-sidebar").get_by_text(admin_text(label), exact=True).first.click()


def test_doctor_finds_write_from_entry_through_the_admin_menu(browser, live_server, admin_studio, screenshots):
    """Doctors cannot browse entries in the page explorer; the menu's encyclopedia search leads them to the button."""
    doctor = log_in(browser, live_server, admin_studio.doctor)
    open_admin(doctor, live_server, "/admin/")
    doctor.get_by_role("link", name=admin_text("Start from the encyclopedia")).first.click()
    doctor.wait_for_url("**/admin/articles/start-from-entry/")
    doctor.fill("#entry-search", "血压")
    with doctor.expect_navigation():
        doctor.locator("#entry-search").press("Enter")
    assert "/admin/articles/start-from-entry/?q=" in doctor.url
    row = doctor.locator("tbody tr").filter(has_text=admin_studio.entry.title)
    assert row.count() == 1
    snap(doctor, screenshots / "admin-doctor-encyclopedia-listing.png")
    row.get_by_role("link", name=admin_text("Write an article from this entry")).click()
    doctor.wait_for_url(f"**/admin/articles/start-from-entry/{admin_studio.entry.pk}/")


def test_doctor_writes_from_an_entry_and_an_editor_approves_it_with_a_reason(
    browser, live_server, admin_studio, screenshots
):
    entry = admin_studio.entry

    # 1. The doctor starts a draft from the encyclopedia entry (its start page: the test above shows how they reach
    #    it from the admin menu) and lands in the editor with the entry's text.
    doctor = log_in(browser, live_server, admin_studio.doctor)
    open_admin(doctor, live_server, f"/admin/articles/start-from-entry/{entry.pk}/")
    assert entry.source_name in doctor.inner_text("main")
    snap(doctor, screenshots / "admin-start-from-entry.png")
    doctor.get_by_role("button", name=admin_text("Create the draft")).click()
    doctor.wait_for_url("**/admin/pages/*/edit/")
    article = Article.objects.get(source_entry=entry)
    assert doctor.url.endswith(f"/admin/pages/{article.pk}/edit/")
    assert article.owner == admin_studio.doctor and not article.live
    assert doctor.input_value("#id_title") == entry.title
    body = doctor.locator("[data-contentpath=body]")
    assert "怎样控制血压" in [field.input_value() for field in body.locator("input[type=text]").all()]
    assert "很多人在体检时才发现" in body.locator(".public-DraftEditor-content").first.inner_text()

    # ...changes the title and saves a draft: the checks ran on the saved revision and show in the editor.
    doctor.fill("#id_title", NEW_TITLE)
    with doctor.expect_navigation():
        doctor.get_by_role("button", name=admin_text("Save draft")).click()
    assert NEW_TITLE in admin_message(doctor)
    article.refresh_from_db()
    assert article.get_latest_revision_as_object().title == NEW_TITLE and not article.live
    panel = show_check_panel(doctor)
    assert panel.locator("[data-verdict]").get_attribute("data-verdict") in ("pass", "warnings")
    assert panel.get_by_role("heading", name=admin_text("Reading level")).is_visible()
    assert panel.locator("[data-within-target]").count() == 2  # sentence length and uncommon characters
    snap(doctor, screenshots / "admin-editor-checks-draft.png")

    # 2. The doctor adds a forbidden efficacy claim and submits the article for Medical review.
    type_into_first_paragraph(doctor, FORBIDDEN_CLAIM + "。")
    doctor.locator("footer .w-dropdown__toggle").click()
    submit = doctor.locator("footer button[name=action-submit]")
    assert submit.inner_text().strip() == "提交给医学审核"  # the workflow's name reads as Chinese
    with doctor.expect_navigation():
        submit.click()
    assert NEW_TITLE in admin_message(doctor)
    article.refresh_from_db()
    task_state = article.current_workflow_task_state
    assert task_state is not None and task_state.status == TaskState.STATUS_IN_PROGRESS
    assert FORBIDDEN_CLAIM in article.get_latest_revision_as_object().plain_text()
    open_admin(doctor, live_server, f"/admin/pages/{article.pk}/edit/")
    panel = show_check_panel(doctor)
    assert panel.locator("[data-verdict]").get_attribute("data-verdict") == "errors"
    errors = panel.locator("li[data-severity=error]")
    assert errors.count() >= 2
    rows = errors.all_inner_texts()
    assert any("根治" in row for row in rows) and any("无效退款" in row for row in rows)
    snap(doctor, screenshots / "admin-editor-checks-errors.png")

    # 3. An editor finds it in the review queue, with its verdict.
    editor = log_in(browser, live_server, admin_studio.editor)
    click_sidebar(editor, "Moderation", "Review queue")
    editor.wait_for_url("**/admin/moderation/queue/")
    row = editor.locator(f"[data-review-queue] tr[data-task-state='{task_state.pk}']")
    assert row.get_attribute("data-verdict") == "errors"
    assert NEW_TITLE in row.inner_text() and "王医生" in row.inner_text()
    snap(editor, screenshots / "admin-review-queue.png")

    # ...opens it, and tries to approve: the approval goes to the page that asks for a reason.
    row.get_by_role("link", name=admin_text("Open with comments")).click()
    editor.wait_for_url(f"**/admin/pages/{article.pk}/edit/")
    actions = footer_actions(editor)
    approve_label = admin_text("Approve despite check errors (reason required)")
    # (Wagtail adds "and publish" to the last task's approval.)
    assert [label for label in actions if label.startswith(approve_label)], actions
    assert admin_text("Request changes") in actions
    editor.locator("footer button").filter(has_text=approve_label).click()
    modal = editor.locator(".modal form")
    modal.locator("#id_override_reason").wait_for()
    snap(editor, screenshots / "admin-approve-dialog.png")
    modal.locator("button[type=submit]").click()  # without a reason
    editor.wait_for_url(f"**/admin/moderation/approve/{task_state.pk}/")
    assert not Article.objects.get(pk=article.pk).live
    findings = editor.locator("[data-error-findings] tbody tr")
    assert findings.count() >= 2 and "无效退款" in editor.locator("[data-error-findings]").inner_text()
    snap(editor, screenshots / "admin-override-form.png")

    # An empty reason is refused with a message at the field; a real one approves and publishes.
    with editor.expect_navigation():
        editor.get_by_role("button", name=admin_text("Approve"), exact=True).click()
    assert editor.locator("[data-field-wrapper]:has(#id_override_reason) .error-message").is_visible()
    assert not Article.objects.get(pk=article.pk).live
    snap(editor, screenshots / "admin-override-reason-required.png")
    editor.fill("#id_override_reason", OVERRIDE_REASON)
    editor.get_by_role("button", name=admin_text("Approve"), exact=True).click()
    editor.wait_for_url("**/admin/moderation/queue/")
    assert NEW_TITLE in admin_message(editor)
    assert editor.locator(f"[data-review-queue] tr[data-task-state='{task_state.pk}']").count() == 0
    article = Article.objects.get(pk=article.pk)
    assert article.live and article.title == NEW_TITLE
    override = ApprovalOverride.objects.get(page=article)
    assert override.user == admin_studio.editor and override.reason == OVERRIDE_REASON
    snap(editor, screenshots / "admin-review-queue-after-approval.png")

    # The public page shows the approved text.
    reader = browser.new_context(**DESKTOP).new_page()
    response = reader.goto(live_server.url + article.url)
    assert response.status == 200
    assert reader.inner_text("h1") == NEW_TITLE
    assert FORBIDDEN_CLAIM in reader.inner_text("main")
    snap(reader, screenshots / "admin-approved-public-page.png", full_page=True)


def test_a_doctor_cannot_approve_nor_open_another_doctors_article(browser, live_server, admin_studio, screenshots):
    article = submitted_article(admin_studio, title="每天少吃一点盐", paragraph_html=f"<p>{FORBIDDEN_CLAIM}。</p>")
    task_state = article.current_workflow_task_state
    doctor = log_in(browser, live_server, admin_studio.doctor)

    # No review menu, and in their own article's editor no approve (nor any other review) action.
    assert doctor.locator("#wagtail-sidebar").get_by_text(admin_text("Moderation"), exact=True).count() == 0
    open_admin(doctor, live_server, f"/admin/pages/{article.pk}/edit/")
    actions = footer_actions(doctor)
    assert admin_text("Page locked") in actions  # Wagtail locks a page in review for everyone but its reviewers
    assert not [label for label in actions if admin_text("Approve") in label]
    assert doctor.locator("footer button[name=action-workflow-action]").count() == 0
    snap(doctor, screenshots / "admin-doctor-own-article-actions.png")

    # The review pages turn them away.
    for path in ("/admin/moderation/queue/", f"/admin/moderation/approve/{task_state.pk}/"):
        doctor.goto(live_server.url + path)
        assert doctor.url == live_server.url + "/admin/", path
        assert admin_text("Sorry, you do not have permission to access this area.") in admin_message(doctor)
    assert not Article.objects.get(pk=article.pk).live

    # Another doctor's draft cannot be opened for editing.
    other = admin_studio.other_doctors_draft
    doctor.goto(live_server.url + f"/admin/pages/{other.pk}/edit/")
    assert doctor.url == live_server.url + "/admin/"
    assert admin_text("Sorry, you do not have permission to access this area.") in admin_message(doctor)
    assert doctor.locator("#id_title").count() == 0
    snap(doctor, screenshots / "admin-doctor-other-article-refused.png")


def test_editor_opens_an_articles_shared_links_and_media_jobs(browser, live_server, admin_studio, screenshots):
    article = published_article_with_media_jobs(admin_studio, title="少盐饮食的五个要点")
    editor = log_in(browser, live_server, admin_studio.editor)

    # From the article's editor, the header's "more" menu leads to its shared links & QR codes.
    open_admin(editor, live_server, f"/admin/pages/{article.pk}/edit/")
    editor.locator("header").get_by_role("button", name=admin_text("Actions"), exact=True).click()
    editor.get_by_role("link", name=admin_text("Shared links & QR codes")).click()
    editor.wait_for_url(f"**/admin/shared-links/article/{article.pk}/")
    assert editor.locator("main").get_by_role("link", name=article.title).is_visible()
    editor.fill("#id_label", "候诊区海报")
    editor.fill("#id_audience_key", "campaign:7")
    editor.get_by_role("button", name=admin_text("Make link")).click()
    editor.wait_for_url(f"**/admin/shared-links/article/{article.pk}/")
    link = ShareLink.objects.get(article=article, audience_key="campaign:7")
    assert link.public_url in admin_message(editor)
    row = editor.locator("table.listing tbody tr").filter(has_text="候诊区海报")
    assert row.locator("input[readonly]").input_value() == link.public_url
    qr = row.locator("img")
    wait_for_js(editor, "img => img.complete", qr.element_handle())
    assert qr.evaluate("img => img.naturalWidth") > 0
    assert reachable(row.get_by_role("button", name=admin_text("Revoke now")))
    assert editor.locator("svg").filter(has=editor.locator("title")).count() >= 1  # the reads chart
    snap(editor, screenshots / "admin-shared-links.png")

    # Its audio & video page, linked from there, lists the article's renders.
    editor.locator("main").get_by_role("link", name=admin_text("Audio, video & share images")).click()
    editor.wait_for_url(f"**/admin/media-jobs/article/{article.pk}/")
    assert editor.locator("tr.media-render").count() == 2
    assert reachable(editor.locator("tr.media-render--failed").get_by_role("button", name=admin_text("Retry")))
    snap(editor, screenshots / "admin-article-media.png")

    # The media jobs page from the main menu: the failed narration with its reason and a retry, the cancelled video.
    click_sidebar(editor, "Media jobs")
    editor.wait_for_url("**/admin/media-jobs/")
    failed = editor.locator("tr.media-render--failed")
    assert failed.count() == 1 and "edge-tts" in failed.inner_text()
    assert admin_text("Text-to-speech engine down") in failed.inner_text()
    assert reachable(failed.get_by_role("button", name=admin_text("Retry")))
    assert editor.locator("tr.media-render--cancelled").count() == 1
    assert editor.locator("tr.media-render").filter(has_text=article.title).count() == 2
    snap(editor, screenshots / "admin-media-jobs.png")
