"""The whole path in headless Chromium, in Chinese, as three people at three computers walk it:

the doctor starts an article from an encyclopedia entry, writes, sees the findings beside the text and
submits; the editor sends it back with a comment; the doctor sees the banner, fixes the text and submits
again; the editor approves and it is published; the distributor enrols a group in a follow-up plan, sends
a campaign about the article, sees the delivered counts, and the reads chart once a patient opens the link.

Each step's screen is saved under screenshots/whole-path-*.png.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import TaskState

from cms.articles.models import Article
from distribution.campaigns.models import Campaign, FollowUpEnrolment, FollowUpPlan
from distribution.patients.models import DISTRIBUTORS, ContactPoint, Patient, PatientGroup
from distribution.sharing.models import ReadStat, ShareLink
from tests.admin_language import admin_text
from tests.browser.admin_pages import (
    admin_message,
    footer_actions,
    log_in,
    open_admin,
    show_check_panel,
    snap,
    type_into_first_paragraph,
)
from tests.browser.chromium import PHONE
from tests.browser.waiting import wait_for_js
from tests.builders import FORBIDDEN_CLAIM, AdminStudio, admin_person, build_admin_studio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PATIENTS = 3
TITLE = "高血压患者每天怎样控制血压"
COMMENT = "“根治”“无效退款”是违规的疗效承诺，请删去这一句后再提交。"
FIXED_TEXT = "按时服药，定期在家测量血压并记录。"


@pytest.fixture
def studio(transactional_db) -> AdminStudio:
    studio = build_admin_studio()
    distributor = admin_person("ops.sun", DISTRIBUTORS, "孙运营")
    studio.distributor = distributor
    profile = studio.doctor.doctor_profile
    for i in range(PATIENTS):
        patient = Patient.objects.create(doctor=profile, display_name=f"患者{i}")
        patient.tags.add("高血压")
        patient.save()
        ContactPoint.objects.create(
            patient=patient, channel="webhook", address=f"HIS-{i:04d}", consent_at=timezone.now()
        )
    studio.group = PatientGroup.objects.create(
        doctor=profile, name="高血压门诊", kind=PatientGroup.RULE, any_tags="高血压"
    )
    call_command("load_followup_templates", stdout=StringIO())
    return studio


def replace_first_paragraph(page, text: str, removed: str) -> None:
    """Select everything in the body's first paragraph and type ``text`` over it, as a person does."""
    editor = page.locator("[data-contentpath=body] .public-DraftEditor-content").first
    editor.click()
    editor.press("Control+A")
    editor.press("Delete")
    page.keyboard.type(text)
    # Draftail writes the block to its hidden input a moment after the last keystroke.
    wait_for_js(
        page,
        "([text, removed]) => { const values = [...document.querySelectorAll("
        "'[data-contentpath=body] input[type=hidden]')].map(input => input.value); "
        "return values.some(v => v.includes(text)) && !values.some(v => v.includes(removed)); }",
        [text, removed],
    )


def submit_for_review(page, *, expect_warning: bool) -> list[str]:
    """The editor footer's "submit to Medical review"; returns the warning the page asked first, if any."""
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("footer .w-dropdown__toggle").click()
    with page.expect_navigation():
        page.locator("footer button[name=action-submit]").click()
    assert bool(asked) == expect_warning, asked
    return asked


def open_from_queue(page, live_server, article: Article) -> TaskState:
    open_admin(page, live_server, "/admin/moderation/queue/")
    task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
    row = page.locator(f"[data-review-queue] tr[data-task-state='{task_state.pk}']")
    assert TITLE in row.inner_text()
    row.get_by_role("link", name=admin_text("Open with comments")).click()
    page.wait_for_url(f"**/admin/pages/{article.pk}/edit/")
    return task_state


def test_doctor_editor_and_distributor_take_an_article_from_entry_to_patients(
    browser, live_server, studio, sink, screenshots
):
    # 1. The doctor starts from the encyclopedia entry, adds a forbidden claim, saves: the findings sit beside it.
    doctor = log_in(browser, live_server, studio.doctor)
    assert doctor.locator("html").get_attribute("lang") == "zh-hans"
    open_admin(doctor, live_server, f"/admin/articles/start-from-entry/{studio.entry.pk}/")
    doctor.get_by_role("button", name=admin_text("Create the draft")).click()
    doctor.wait_for_url("**/admin/pages/*/edit/")
    article = Article.objects.get(source_entry=studio.entry)
    doctor.fill("#id_title", TITLE)
    type_into_first_paragraph(doctor, FORBIDDEN_CLAIM + "。")
    with doctor.expect_navigation():
        doctor.get_by_role("button", name=admin_text("Save draft")).click()
    assert TITLE in admin_message(doctor)
    panel = show_check_panel(doctor)
    assert panel.locator("[data-verdict]").get_attribute("data-verdict") == "errors"
    title_box, panel_box = doctor.locator("#id_title").bounding_box(), panel.bounding_box()
    assert panel_box["x"] > title_box["x"] + title_box["width"] - 5  # beside the text, not under it
    assert any("根治" in row for row in panel.locator("li[data-severity=error]").all_inner_texts())
    snap(doctor, screenshots / "whole-path-1-doctor-findings.png")

    # ...and submits: the page warns that the checks found errors; the doctor goes ahead.
    error_count = panel.get_attribute("data-error-count")
    warning = submit_for_review(doctor, expect_warning=True)
    assert int(error_count) >= 1 and error_count in warning[0]
    task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
    assert task_state.status == TaskState.STATUS_IN_PROGRESS

    # 2. The editor opens it from the review queue and requests changes with a comment.
    editor = log_in(browser, live_server, studio.editor)
    open_from_queue(editor, live_server, article)
    assert admin_text("Request changes") in footer_actions(editor)
    editor.locator("footer button").filter(has_text=admin_text("Request changes")).click()
    modal = editor.locator(".modal form")
    modal.locator("textarea").wait_for()
    modal.locator("textarea").fill(COMMENT)
    snap(editor, screenshots / "whole-path-2-editor-requests-changes.png")
    with editor.expect_navigation():
        modal.locator("button[type=submit]").click()
    editor.wait_for_url("**/admin/moderation/queue/")
    assert TITLE in admin_message(editor) and "王医生" in admin_message(editor)  # "changes requested on …"
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED

    # 3. The doctor sees the banner with the editor's words at the top, fixes the sentence and submits again.
    open_admin(doctor, live_server, f"/admin/pages/{article.pk}/edit/")
    banner = doctor.locator("[data-review-banner]")
    banner.wait_for(state="visible")
    assert COMMENT in banner.inner_text() and "陈编辑" in banner.inner_text()
    snap(doctor, screenshots / "whole-path-3-doctor-banner.png")
    replace_first_paragraph(doctor, FIXED_TEXT, FORBIDDEN_CLAIM)
    with doctor.expect_navigation():
        doctor.get_by_role("button", name=admin_text("Save draft")).click()
    panel = show_check_panel(doctor)
    assert panel.locator("[data-verdict]").get_attribute("data-verdict") in ("pass", "warnings")
    submit_for_review(doctor, expect_warning=False)
    assert FORBIDDEN_CLAIM not in Article.objects.get(pk=article.pk).get_latest_revision_as_object().plain_text()

    # 4. The editor approves; the article is published with the fixed text.
    open_from_queue(editor, live_server, article)
    approve = [
        label
        for label in footer_actions(editor)
        if label.startswith(admin_text("Approve")) and not label.startswith(admin_text("Approve with comment"))
    ]
    assert len(approve) == 1, approve  # no errors left: a plain approval, no reason asked
    with editor.expect_navigation():
        editor.locator("footer button").filter(has_text=approve[0]).first.click()
    article = Article.objects.get(pk=article.pk)
    assert article.live and article.title == TITLE
    assert FIXED_TEXT in article.plain_text() and FORBIDDEN_CLAIM not in article.plain_text()
    snap(editor, screenshots / "whole-path-4-editor-approved.png")

    # 5. The distributor enrols the clinic group in the hypertension plan.
    ops = log_in(browser, live_server, studio.distributor)
    plan = FollowUpPlan.objects.get(slug="hypertension")
    open_admin(ops, live_server, f"/admin/distribution/follow-up-plans/{plan.pk}/enrol/")
    ops.select_option("#id_group", str(studio.group.pk))
    ops.get_by_role("button", name=admin_text("Enrol"), exact=True).click()
    ops.wait_for_url("**/admin/followup_enrolments/**")
    assert FollowUpEnrolment.objects.filter(plan=plan).count() == PATIENTS
    snap(ops, screenshots / "whole-path-5-distributor-enrolled.png")

    # 6. ...makes a campaign about the new article for the group, ticks the webhook channel and sends it.
    campaign = Campaign.objects.create(
        name="控制血压",
        doctor=studio.doctor.doctor_profile,
        article=article,
        channels=[],
        quiet_start=None,
        quiet_end=None,
    )
    campaign.groups.add(studio.group)
    open_admin(ops, live_server, f"/admin/distribution_campaigns/edit/{campaign.pk}/")
    ops.locator('input[name="channels"][value="webhook"]').check()
    ops.locator("footer button[type=submit]").first.click()
    ops.wait_for_url("**/admin/distribution_campaigns/**")
    open_admin(ops, live_server, f"/admin/distribution/campaigns/{campaign.pk}/report/")
    ops.get_by_role("button", name=admin_text("Send now")).click()
    ops.wait_for_url(f"**/campaigns/{campaign.pk}/report/")
    ops.reload()
    assert ops.locator("[data-campaign-state]").get_attribute("data-campaign-state") == "completed"
    assert ops.locator('[data-stat="delivered"]').inner_text() == str(PATIENTS)
    assert len(sink.received) == PATIENTS
    snap(ops, screenshots / "whole-path-6-distributor-delivered.png")

    # 7. A patient opens the link on a phone and reads the approved text; the report's chart counts the read.
    link = ShareLink.objects.get(article=article, audience_key=campaign.audience_key)
    phone = browser.new_context(**PHONE).new_page()
    response = phone.goto(live_server.url + link.get_absolute_url(), wait_until="load")
    assert response is not None and response.status == 200
    assert FIXED_TEXT in phone.inner_text("main") and FORBIDDEN_CLAIM not in phone.inner_text("main")
    snap(phone, screenshots / "whole-path-7-patient-reads.png", full_page=True)
    for _ in range(50):  # the beacon is asynchronous: poll, bounded
        if ReadStat.objects.filter(link=link, views__gte=1).exists():
            break
        phone.wait_for_timeout(100)
    phone.context.close()
    ops.reload()
    assert ops.locator('[data-stat="read"]').inner_text() == "1"
    chart = ops.locator(".kepu-report-chart svg")
    assert chart.count() == 1
    assert chart.locator("text").all_text_contents()[:6] == ["0", "0%", "2.5", "50%", "5", "100%"]  # scale as drawn
    chart.scroll_into_view_if_needed()
    snap(ops, screenshots / "whole-path-8-distributor-reads.png")
