"""Set-up of the review task (idempotent, replaces the plain Wagtail task) and scheduled publishing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import GroupApprovalTask, TaskState, Workflow, WorkflowTask
from wagtail.rich_text import RichText

from cms.articles.models import Article
from cms.core.studio_setup import DOCTORS, EDITORS, MEDICAL_REVIEW, setup_studio
from cms.moderation.models import HealthCheckedApprovalTask
from cms.moderation.setup import REVIEW_TASK_NAME
from cms.moderation.tasks import publish_scheduled_pages
from distribution.patients.models import DISTRIBUTORS
from tests.builders import draft_article


@pytest.fixture(autouse=True)
def no_media_renders(settings):
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False


def draft(index, owner, title: str) -> Article:
    article = draft_article(
        index,
        owner,
        title,
        slug=title.lower().replace(" ", "-"),
        summary="s",
        body=[("paragraph", RichText("<p>Drink water.</p>"))],
    )
    return Article.objects.get(pk=article.pk)


def test_setup_is_idempotent_and_uses_the_health_checked_task(studio):
    setup_studio()
    workflow = Workflow.objects.get(name=MEDICAL_REVIEW)
    tasks = [task.specific for task in workflow.tasks]
    assert len(tasks) == 1 and isinstance(tasks[0], HealthCheckedApprovalTask)
    assert list(tasks[0].groups.values_list("name", flat=True)) == [EDITORS]
    assert Group.objects.get(name=EDITORS).permissions.filter(codename="change_claimrule").exists()
    assert not Group.objects.get(name=DOCTORS).permissions.filter(codename="change_claimrule").exists()


def test_setup_gives_an_earlier_install_chinese_names_and_keeps_its_members(studio, people):
    """Installs set up while these names were English get them renamed, not duplicated."""
    workflow = Workflow.objects.get(name=MEDICAL_REVIEW)
    task = workflow.tasks.get().specific
    Workflow.objects.filter(pk=workflow.pk).update(name="Medical review")
    HealthCheckedApprovalTask.objects.filter(pk=task.pk).update(name="Editor approval")
    Group.objects.filter(name=EDITORS).update(name="Editors")
    Group.objects.filter(name=DOCTORS).update(name="Doctors")

    setup_studio()

    assert set(Group.objects.values_list("name", flat=True)) == {
        DOCTORS,
        EDITORS,
        DISTRIBUTORS,
        "审核员",
    }  # + Wagtail's
    assert people["editor"].groups.get().name == EDITORS
    assert people["doctor_a"].groups.get().name == DOCTORS
    assert Workflow.objects.get(pk=workflow.pk).name == MEDICAL_REVIEW
    assert set(Workflow.objects.values_list("name", flat=True)) == {MEDICAL_REVIEW, "审核员审批"}
    assert [(t.pk, t.name) for t in Workflow.objects.get(pk=workflow.pk).tasks] == [(task.pk, REVIEW_TASK_NAME)]
    assert (MEDICAL_REVIEW, REVIEW_TASK_NAME) == ("医学审核", "编辑审核")


def test_setup_replaces_a_plain_approval_task_and_moves_running_reviews(studio, people):
    # A studio set up by an earlier version: the workflow reviews with Wagtail's plain GroupApprovalTask.
    workflow = Workflow.objects.get(name=MEDICAL_REVIEW)
    WorkflowTask.objects.filter(workflow=workflow).delete()
    plain = GroupApprovalTask.objects.create(name="Editor approval")  # its name then
    plain.groups.set([Group.objects.get(name=EDITORS)])
    WorkflowTask.objects.create(workflow=workflow, task=plain, sort_order=0)
    article = draft(studio["en"]["articles"], people["doctor_b"], "Under review")
    workflow.start(article, people["doctor_b"])
    assert Article.objects.get(pk=article.pk).current_workflow_task.specific == plain

    setup_studio()

    plain.refresh_from_db()
    assert not plain.active
    assert [task.specific.__class__ for task in workflow.tasks] == [HealthCheckedApprovalTask]
    article = Article.objects.get(pk=article.pk)
    assert isinstance(article.current_workflow_task, HealthCheckedApprovalTask)
    assert article.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS
    assert article.current_workflow_state.requested_by == people["doctor_b"]


def test_publish_scheduled_task_publishes_due_pages(studio, people):
    article = draft(studio["en"]["articles"], people["doctor_b"], "Scheduled")
    article.go_live_at = timezone.now() + timedelta(days=1)
    revision = article.save_revision(user=people["editor"])
    revision.publish(user=people["editor"])  # approved for later: scheduled, not live
    article = Article.objects.get(pk=article.pk)
    revision.refresh_from_db()
    assert not article.live and revision.approved_go_live_at is not None

    publish_scheduled_pages.delay()  # not due yet
    assert not Article.objects.get(pk=article.pk).live

    # A day passes: move the approved go-live time (and the revision's own copy of it) into the past.
    due = timezone.now() - timedelta(minutes=1)
    revision.content["go_live_at"] = due.isoformat()
    revision.approved_go_live_at = due
    revision.save(update_fields=["content", "approved_go_live_at"])
    publish_scheduled_pages.delay()
    article = Article.objects.get(pk=article.pk)
    assert article.live and article.live_revision_id == revision.pk
