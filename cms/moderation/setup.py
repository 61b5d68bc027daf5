"""Idempotent set-up of the review task, called from ``cms.core.studio_setup.ensure_review_workflow``."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import GroupApprovalTask, Task, Workflow, WorkflowTask

from .models import HealthCheckedApprovalTask

REVIEW_TASK_NAME = "编辑审核"  # shown as it is in the admin, hence Chinese
FORMER_REVIEW_TASK_NAMES = ("Editor approval",)  # what earlier set-ups called it
RULE_EDITING_PERMISSIONS = ("add_claimrule", "change_claimrule", "delete_claimrule", "view_claimrule")


@transaction.atomic
def install_review_task(workflow: Workflow, reviewers: Group) -> HealthCheckedApprovalTask:
    """Make ``workflow`` review with a :class:`HealthCheckedApprovalTask` for ``reviewers``.

    A plain Wagtail ``GroupApprovalTask`` of the same name (what earlier
    versions installed) is taken out of the workflow and deactivated;
    deactivating cancels its running reviews, which Wagtail then restarts on
    the next task of the workflow, i.e. the health-checked one, so nothing
    under review is lost.
    """
    task = HealthCheckedApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = HealthCheckedApprovalTask.objects.filter(name__in=FORMER_REVIEW_TASK_NAMES).first()
        if task is not None:
            task.name = REVIEW_TASK_NAME
            task.save(update_fields=["name"])
    if task is None:
        task = HealthCheckedApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    if not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(reviewers)
    # Through the model's own manager: the workflow's child relation only writes on workflow.save().
    links = WorkflowTask.objects.filter(workflow=workflow)
    if not links.filter(task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=links.count())

    plain_type = ContentType.objects.get_for_model(GroupApprovalTask)
    names = (REVIEW_TASK_NAME, *FORMER_REVIEW_TASK_NAMES)
    for old in Task.objects.filter(content_type=plain_type, name__in=names, workflow_tasks__workflow=workflow):
        links.filter(task=old).delete()
        old.specific.deactivate()

    reviewers.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation",
            codename__in=RULE_EDITING_PERMISSIONS,
        )
    )
    return task
