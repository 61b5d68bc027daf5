"""The Medical review task: Wagtail's group approval with the health-content checks in front of it.

It sits above the records and the approval rules it applies, so it has a module of its own.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, Page, TaskState

from ..approval import approve, is_author, request_changes, review_revision
from ..forms import ApprovalForm, RequestChangesForm
from ..tasks import schedule_revision_checks


class HealthCheckedApprovalTask(AbstractGroupApprovalTask):
    """Group approval that runs the health-content checks and refuses unsafe approvals.

    * The checks run when the task starts (each submission or resubmission).
    * Nobody approves their own article, not even an editor or superuser.
    * A revision with error findings is approved only with an override reason,
      which is stored as :class:`ApprovalOverride` and in the page's audit log.
    * Requesting changes needs a comment, which the author sees in the editor
      and in the rejection e-mail.
    """

    class Meta:
        verbose_name = _("Health-checked group approval task")
        verbose_name_plural = _("Health-checked group approval tasks")

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve, after the automated health-content checks have run")

    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        schedule_revision_checks(task_state.revision_id)
        return task_state

    def get_actions(self, obj, user):
        if not (user.is_superuser or self._user_in_groups(user)):
            return []
        actions = [("reject", _("Request changes"), True)]
        if is_author(obj, user):
            return actions
        report = review_revision(obj)
        if report is not None and report.error_count:
            return actions + [("approve", _("Approve despite check errors (reason required)"), True)]
        return actions + [("approve", _("Approve"), False), ("approve", _("Approve with comment"), True)]

    def get_form_for_action(self, action):
        if action == "approve":
            return ApprovalForm
        if action == "reject":
            return RequestChangesForm
        return super().get_form_for_action(action)

    def on_action(self, task_state: TaskState, user, action_name: str, **kwargs):
        """Approve or reject; returns a URL when approval needs an override reason first (see ``approval``)."""
        if action_name == "approve":
            return approve(
                task_state, user, comment=kwargs.get("comment", ""), override_reason=kwargs.get("override_reason", "")
            )
        if action_name == "reject":
            return request_changes(task_state, user, comment=kwargs.get("comment", ""))
        raise PermissionDenied(f"unknown workflow action {action_name!r}")


def is_reviewer(user: AbstractBaseUser) -> bool:
    """Superusers and members of a group that approves a health-checked review task."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return HealthCheckedApprovalTask.objects.filter(active=True, groups__in=user.groups.all()).exists()


def is_health_reviewed(page: Page) -> bool:
    """Whether ``page`` is governed by an active workflow with a health-checked review task."""
    workflow = page.get_workflow()
    if workflow is None:
        return False
    return HealthCheckedApprovalTask.objects.filter(workflow_tasks__workflow=workflow, active=True).exists()


def direct_publish_refusal(page: Page, user: AbstractBaseUser) -> str | None:
    """Why ``user`` may not publish ``page`` without review, or ``None`` when publishing equals an approval.

    Editors have Wagtail's publish permission, which would let them skip the
    workflow. Publishing directly is allowed only when it is exactly what an
    approval would be: someone other than the author publishes a revision
    whose checks found no errors. Anything else has to go through review.
    """
    if not is_health_reviewed(page):
        return None
    if is_author(page, user):
        return gettext(
            "You cannot publish your own writing directly; submit it for review so another editor approves it."
        )
    report = review_revision(page)
    if report is not None and report.error_count:
        return gettext(
            "The automated checks found errors in this revision; submit it for review, where an editor can approve "
            "it with a written reason."
        )
    return None
