"""The rules an approval must satisfy, applied by :class:`HealthCheckedApprovalTask`.

Kept out of the model so the same rules serve Wagtail's workflow action
views, the editor's inline workflow actions and the override page.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page, TaskState

from cms.core.documents import has_document

from .checks.health_claims import HealthClaimCheck, sentence_language
from .models.records import ApprovalOverride, ClaimExample, RevisionCheckReport
from .reports import check_revision

OVERRIDE_LOG_ACTION = "kepu_moderation.override_approval"


class SelfApprovalRefused(PermissionDenied):
    """Four eyes: the author of a page never approves it, whatever groups they belong to."""


def author_ids(page: Page) -> set[int]:
    """The page owner, the account of the article's doctor, and whoever submitted the current review."""
    page = page.specific
    ids = {page.owner_id}
    doctor = getattr(page, "doctor", None)
    if doctor is not None:
        ids.add(doctor.user_id)
    workflow_state = page.current_workflow_state
    if workflow_state is not None:
        ids.add(workflow_state.requested_by_id)
    ids.discard(None)
    return ids


def is_author(page: Page, user: AbstractBaseUser) -> bool:
    return user.pk in author_ids(page)


def review_revision(page: Page) -> RevisionCheckReport | None:
    """The report of the revision approval would publish (the latest), run now if the worker has not yet.

    Wagtail's workflow publishes the page's *latest* revision when it
    finishes, so that is the one the approval judges, not the submitted one.
    """
    if not has_document(page):
        return None
    revision = page.get_latest_revision()
    return check_revision(revision) if revision is not None else None


def override_url(task_state: TaskState) -> str:
    return reverse("moderation_approval_override", args=[task_state.pk])


@transaction.atomic
def approve(task_state: TaskState, user, *, comment: str = "", override_reason: str = "") -> str | None:
    """Approve ``task_state`` or refuse.

    Returns ``None`` when approved, or the URL of the override page when the
    latest revision has error findings and no reason was given (nothing is
    changed then). Raises :class:`SelfApprovalRefused` for the author.
    """
    page = task_state.workflow_state.content_object.specific
    if is_author(page, user):
        raise SelfApprovalRefused(_("You cannot approve your own submission; another editor must review it."))
    report = review_revision(page)
    reason = (override_reason or "").strip()
    override = None
    if report is not None and report.error_count:
        if not reason:
            return override_url(task_state)
        override = record_override(page, task_state, report, user, reason)
    task_state.approve(user=user, comment=comment)
    if report is not None:
        record_claim_examples(report, override)
    return None


def record_claim_examples(report: RevisionCheckReport, override: ApprovalOverride | None) -> list[ClaimExample]:
    """An editor approved the sentences the claim check flagged: keep each as a legitimate example for training.

    Idempotent per override and sentence; approvals without an override (only warnings) are recorded too,
    since the editor let those sentences through as well.
    """
    examples = []
    for finding in report.report.get("findings", []):
        sentence = (finding.get("data") or {}).get("sentence", "").strip()
        if finding.get("check") != HealthClaimCheck.name or finding.get("severity") == "info" or not sentence:
            continue
        example, _created = ClaimExample.objects.get_or_create(
            override=override,
            text=sentence,
            defaults={
                "language": sentence_language(sentence),
                "label": "legitimate",
                "category": (finding.get("data") or {}).get("category", ""),
                "rule_id": finding.get("rule_id") or "",
            },
        )
        examples.append(example)
    return examples


def record_override(
    page: Page, task_state: TaskState, report: RevisionCheckReport, user, reason: str
) -> ApprovalOverride:
    errors = report.error_findings()
    override = ApprovalOverride.objects.create(
        page=page,
        revision=report.revision,
        task_state=task_state,
        user=user,
        page_title=page.title[:255],
        reason=reason,
        error_findings=errors,
        ruleset_fingerprint=report.ruleset_fingerprint,
    )
    log(
        instance=page,
        action=OVERRIDE_LOG_ACTION,
        user=user,
        revision=report.revision,
        data={
            "override_id": override.pk,
            "reason": reason,
            "error_count": len(errors),
            "rules": sorted({finding.get("rule_id") or finding["check"] for finding in errors}),
            "ruleset_fingerprint": report.ruleset_fingerprint,
        },
    )
    return override


@transaction.atomic
def request_changes(task_state: TaskState, user, *, comment: str) -> str:
    """Send the page back to its author with ``comment``; a rejection without one is refused.

    Returns the page that confirms to the reviewer that changes were requested (Wagtail's workflow
    action view redirects there; it would otherwise say nothing).
    """
    comment = (comment or "").strip()
    if not comment:
        raise PermissionDenied(_("Requesting changes needs a comment for the author."))
    task_state.reject(user=user, comment=comment)
    return changes_requested_url(task_state)


def changes_requested_url(task_state: TaskState) -> str:
    return reverse("moderation_changes_requested", args=[task_state.pk])
