"""The Medical review workflow end to end through the Wagtail admin: submit, checks, reject, resubmit, approve."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from cms.articles.models import Article
from cms.core.publication import approved_document, approved_revision
from cms.core.studio_setup import EDITORS
from cms.moderation.approval import OVERRIDE_LOG_ACTION
from cms.moderation.models import (
    ApprovalOverride,
    ClaimExample,
    HealthCheckedApprovalTask,
    RevisionCheckReport,
)
from tests.admin_language import admin_text
from tests.cms.moderation.admin_workflow import (
    FORBIDDEN_CLAIM,
    SAFE_TEXT,
    article_form,
    submit_edit,
    workflow_action_url,
    write_article,
)


@pytest.fixture(autouse=True)
def no_media_renders(settings):
    """Publishing would render audio and video (media_pipeline); not what these tests are about."""
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False


@pytest.fixture
def admin_post(client, django_capture_on_commit_callbacks):
    """POST like the browser does, running the on-commit Celery dispatch (eager in tests) as a real commit would."""

    def post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return post


def test_submit_reject_resubmit_approve_through_the_admin(client, admin_post, studio, people):
    index = studio["zh-hans"]["articles"]
    doctor, editor = people["doctor_a"], people["editor"]
    mail.outbox.clear()
    article = write_article(client, admin_post, index, doctor, "少吃盐", SAFE_TEXT)

    # Submission: workflow runs on the health-checked task, the checks ran and stored a report on the revision.
    state = article.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS and state.requested_by == doctor
    assert isinstance(article.current_workflow_task, HealthCheckedApprovalTask)
    submitted_revision = article.current_workflow_task_state.revision
    report = RevisionCheckReport.objects.get(revision=submitted_revision)
    assert report.verdict != "errors"
    assert report.report["revision_id"] == submitted_revision.pk
    assert "health_claims" in report.report["checks_run"]
    # Editors are told by e-mail.
    assert any(editor.email in message.to for message in mail.outbox)

    # The editor requests changes with a comment.
    client.force_login(editor)
    mail.outbox.clear()
    response = admin_post(workflow_action_url(article, "reject"), {"comment": "请补充参考文献，并写明出处。"})
    assert response.status_code == 302
    rejected = TaskState.objects.get(revision=submitted_revision)
    assert rejected.status == TaskState.STATUS_REJECTED and rejected.finished_by == editor
    assert Article.objects.get(pk=article.pk).current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    to_author = [message for message in mail.outbox if doctor.email in message.to]
    assert to_author and "请补充参考文献" in to_author[0].body

    # The author sees the comment and the check results in the editor.
    client.force_login(doctor)
    page = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert "请补充参考文献，并写明出处。" in page
    assert "data-moderation-check-results" in page

    # Resubmission restarts the same task on the new revision, with a new report.
    submit_edit(client, admin_post, article, "少吃盐", SAFE_TEXT + "参考：《中国居民膳食指南》。")
    article = Article.objects.get(pk=article.pk)
    assert article.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    resubmitted = article.current_workflow_task_state
    assert resubmitted.revision_id != submitted_revision.pk
    assert RevisionCheckReport.objects.filter(revision=resubmitted.revision).exists()
    assert not article.live

    # The editor approves; the article is published and the author hears about it.
    client.force_login(editor)
    mail.outbox.clear()
    response = admin_post(workflow_action_url(article, "approve"), {"comment": ""})
    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.live
    assert article.live_revision_id == resubmitted.revision_id
    assert approved_revision(article) == resubmitted.revision
    assert any(doctor.email in message.to for message in mail.outbox)
    assert client.get(article.url).status_code == 200


def test_rejection_needs_a_comment(client, admin_post, studio, people):
    article = write_article(client, admin_post, studio["zh-hans"]["articles"], people["doctor_a"], "补钙", SAFE_TEXT)
    client.force_login(people["editor"])
    url = workflow_action_url(article, "reject")
    response = admin_post(url, {"comment": "   "}, headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 200
    assert (
        response.json()["step"] == "action" and "error-message" in response.json()["html"]
    )  # the form again, with the error
    assert Article.objects.get(pk=article.pk).current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS


def test_a_doctor_cannot_approve(client, admin_post, studio, people):
    article = write_article(client, admin_post, studio["zh-hans"]["articles"], people["doctor_a"], "运动", SAFE_TEXT)
    for user in (people["doctor_a"], people["doctor_b"]):
        client.force_login(user)
        admin_post(workflow_action_url(article, "approve"), {"comment": "looks fine"})
        article = Article.objects.get(pk=article.pk)
        assert not article.live
        assert article.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS


def test_an_editor_never_approves_their_own_submission(client, admin_post, studio, people):
    both = people["doctor_b"]
    both.groups.add(Group.objects.get(name=EDITORS))
    article = write_article(
        client, admin_post, studio["en"]["articles"], both, "Walk daily", "Walk for thirty minutes a day."
    )
    task_state = article.current_workflow_task_state
    names = [name for name, _label, _modal in task_state.task.specific.get_actions(article, both)]
    assert names == ["reject"]
    client.force_login(both)
    admin_post(workflow_action_url(article, "approve"), {"comment": ""})
    assert not Article.objects.get(pk=article.pk).live
    # Another editor can.
    client.force_login(people["editor"])
    admin_post(workflow_action_url(article, "approve"), {"comment": ""})
    assert Article.objects.get(pk=article.pk).live


def test_an_article_with_an_error_finding_needs_an_override_reason(client, admin_post, studio, people):
    article = write_article(
        client, admin_post, studio["zh-hans"]["articles"], people["doctor_a"], "降压药", FORBIDDEN_CLAIM
    )
    report = RevisionCheckReport.objects.get(revision=article.current_workflow_task_state.revision)
    assert report.verdict == "errors" and report.error_count >= 2
    error_rules = {finding["rule_id"] for finding in report.error_findings()}
    assert any("efficacy" in rule for rule in error_rules), error_rules

    client.force_login(people["editor"])
    # The plain approval goes to the override page instead, and nothing is approved.
    response = admin_post(workflow_action_url(article, "approve"), {"comment": "ok"})
    task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
    override_page = reverse("moderation_approval_override", args=[task_state.pk])
    assert response["Location"] == override_page
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert not Article.objects.get(pk=article.pk).live

    # Only reviewers reach the override page.
    client.force_login(people["doctor_a"])
    assert client.get(override_page).status_code == 302
    assert admin_post(override_page, {"override_reason": "I am sure it is fine, trust me."}).status_code == 302
    assert not Article.objects.get(pk=article.pk).live
    client.force_login(people["editor"])

    # The override page lists the errors and refuses an empty reason.
    page = client.get(override_page).content.decode()
    assert "data-error-findings" in page and "根治" in page
    response = admin_post(override_page, {"comment": "", "override_reason": ""})
    assert response.status_code == 200
    assert not Article.objects.get(pk=article.pk).live
    assert not ApprovalOverride.objects.exists()

    # With a reason it is approved, published, and the override is logged twice over.
    reason = "Quoted from a fraud warning; the sentence is shown as an example of a false claim."
    response = admin_post(override_page, {"comment": "", "override_reason": reason})
    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.live
    override = ApprovalOverride.objects.get()
    assert override.user == people["editor"] and override.reason == reason
    assert override.revision_id == article.live_revision_id
    assert {finding["rule_id"] for finding in override.error_findings} == error_rules
    entry = PageLogEntry.objects.get(page=article, action=OVERRIDE_LOG_ACTION)
    assert entry.user == people["editor"] and entry.data["reason"] == reason
    history = client.get(reverse("wagtailadmin_pages:history", args=[article.pk])).content.decode()
    assert admin_text("Approve despite check errors") in history


def test_override_reason_in_the_workflow_action_form_approves_directly(client, admin_post, studio, people):
    article = write_article(
        client, admin_post, studio["zh-hans"]["articles"], people["doctor_a"], "特效药", FORBIDDEN_CLAIM
    )
    client.force_login(people["editor"])
    admin_post(
        workflow_action_url(article, "approve"),
        {"comment": "", "override_reason": "Example of an illegal advert, discussed in the text."},
    )
    assert Article.objects.get(pk=article.pk).live
    assert ApprovalOverride.objects.count() == 1
    # The editor let the flagged sentence through: it is kept as a legitimate example for the next training.
    examples = ClaimExample.objects.all()
    assert {example.text for example in examples} == {"特效药", FORBIDDEN_CLAIM}  # the title is flagged too
    assert {(example.label, example.language) for example in examples} == {("legitimate", "zh")}
    assert all(example.override == ApprovalOverride.objects.get() and example.rule_id for example in examples)


def test_editing_a_published_article_needs_review_again_and_patients_keep_the_approved_text(
    client, admin_post, studio, people
):
    article = write_article(client, admin_post, studio["zh-hans"]["articles"], people["doctor_a"], "睡眠", SAFE_TEXT)
    client.force_login(people["editor"])
    admin_post(workflow_action_url(article, "approve"), {"comment": ""})
    article = Article.objects.get(pk=article.pk)
    approved = approved_revision(article)
    assert approved is not None

    client.force_login(people["doctor_a"])
    response = admin_post(
        reverse("wagtailadmin_pages:edit", args=[article.pk]),
        article_form("睡眠", "新版本：每晚睡足七小时。", slug=article.slug),
    )
    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.latest_revision_id != approved.pk
    assert article.has_unpublished_changes
    assert RevisionCheckReport.objects.filter(revision_id=article.latest_revision_id).exists()  # checked on save
    assert approved_revision(article) == approved
    document = approved_document(article)
    assert document.revision_id == approved.pk
    assert "啤酒瓶盖" in document.blocks[0].text
    public = client.get(article.url).content.decode()
    assert "啤酒瓶盖" in public and "新版本" not in public


def test_approving_from_the_editor_menu_also_needs_the_override(client, admin_post, studio, people):
    article = write_article(
        client, admin_post, studio["zh-hans"]["articles"], people["doctor_a"], "偏方", FORBIDDEN_CLAIM
    )
    client.force_login(people["editor"])
    data = article_form("偏方", FORBIDDEN_CLAIM, slug=article.slug)
    data.update(
        {
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
            "workflow-action-extra-data": '{"comment": ""}',
        }
    )
    response = admin_post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
    assert response.status_code == 302
    assert response["Location"] == reverse("moderation_approval_override", args=[task_state.pk])
    assert task_state.status == TaskState.STATUS_IN_PROGRESS and not Article.objects.get(pk=article.pk).live

    data["workflow-action-extra-data"] = '{"comment": "", "override_reason": "The claim is quoted to warn patients."}'
    admin_post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert Article.objects.get(pk=article.pk).live
    assert ApprovalOverride.objects.get().reason == "The claim is quoted to warn patients."


def test_the_publish_button_is_no_way_around_the_review(client, admin_post, studio, people):
    index = studio["zh-hans"]["articles"]
    editor, other_editor = people["editor"], people["doctor_b"]
    other_editor.groups.add(Group.objects.get(name=EDITORS))

    # An editor's own article: saved as a draft, not published.
    client.force_login(editor)
    data = article_form("编辑自己的文章", SAFE_TEXT, slug="own")
    data["action-publish"] = "action-publish"
    response = admin_post(reverse("wagtailadmin_pages:add", args=["articles", "article", index.pk]), data)
    own = Article.objects.get(slug="own")
    assert response.status_code == 302
    assert not own.live and own.latest_revision_id and approved_revision(own) is None
    assert client.get("/articles/own/").status_code == 404

    # Someone else's article with an error finding: refused too; it must be approved with a reason in review.
    claim = write_article(client, admin_post, index, people["doctor_a"], "广告", FORBIDDEN_CLAIM, submit=False)
    client.force_login(editor)
    data = article_form("广告", FORBIDDEN_CLAIM, slug=claim.slug)
    data["action-publish"] = "action-publish"
    admin_post(reverse("wagtailadmin_pages:edit", args=[claim.pk]), data)
    assert not Article.objects.get(pk=claim.pk).live

    # Publishing another author's clean article is the same as approving it, and allowed.
    client.force_login(other_editor)
    data = article_form("编辑自己的文章", SAFE_TEXT, slug="own")
    data["action-publish"] = "action-publish"
    admin_post(reverse("wagtailadmin_pages:edit", args=[own.pk]), data)
    assert Article.objects.get(pk=own.pk).live


def test_bulk_publishing_is_no_way_around_the_review_either(client, admin_post, studio, people):
    own = write_article(
        client, admin_post, studio["zh-hans"]["articles"], people["editor"], "批量", SAFE_TEXT, submit=False
    )
    client.force_login(people["editor"])
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"]) + f"?id={own.pk}"
    response = admin_post(url, {"include_descendants": ""})
    assert response.status_code == 302
    assert not Article.objects.get(pk=own.pk).live
    # The same bulk action by another editor is an approval in effect, and goes through.
    other = people["doctor_b"]
    other.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(other)
    admin_post(url, {"include_descendants": ""})
    assert Article.objects.get(pk=own.pk).live
