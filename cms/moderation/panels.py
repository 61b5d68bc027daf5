"""The editor panel that shows the author the automated check results and the reviewer's last decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel
from wagtail.models import Page, Revision, TaskState, WorkflowState

from cms.core.documents import NoDocument, revision_document

from .models import RevisionCheckReport
from .places import place_of
from .reports import is_current, latest_report


@dataclass(frozen=True)
class FindingRow:
    severity: str
    location: str  # in words: "第 3 段「……」", "标题"
    message: str
    excerpt: str
    rule_id: str
    block_id: str = ""  # the editor block to scroll to
    field_name: str = ""  # or the form field (title, summary)

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS.get(self.severity, self.severity))


SEVERITY_LABELS = {"error": _("Error"), "warning": _("Warning"), "info": _("Note")}


@dataclass(frozen=True)
class ReadingLevelRow:
    label: str
    value: str
    target: str
    within_target: bool


def finding_rows(stored: RevisionCheckReport, language: str) -> list[FindingRow]:
    """Findings in the reader's language, errors first (the report is already ordered that way),
    each placed in words within the revision the report was made for."""
    try:
        document = revision_document(stored.revision)
    except NoDocument:
        document = None
    rows = []
    for finding in stored.as_report().findings:
        place = place_of(finding.position, document, fallback=finding.location)
        rows.append(
            FindingRow(
                finding.severity,
                place.words,
                finding.message(language),
                finding.excerpt,
                finding.rule_id or finding.check,
                place.block_id,
                place.field_name,
            )
        )
    return rows


def reading_level_rows(stored: RevisionCheckReport) -> list[ReadingLevelRow]:
    """The measured reading level next to its configured target; empty when the text was too short to assess."""
    metrics: dict[str, Any] = stored.report.get("metrics", {}).get("reading_level") or {}
    if not metrics.get("assessed"):
        return []
    targets = metrics.get("targets", {})
    if metrics.get("language") == "zh":
        average, share = metrics["average_sentence_chars"], metrics["uncommon_char_share"]
        return [
            ReadingLevelRow(
                str(_("Average sentence length (characters)")),
                f"{average:.1f}",
                f"≤ {targets['average_sentence_chars']:g}",
                average <= targets["average_sentence_chars"],
            ),
            ReadingLevelRow(
                str(_("Share of uncommon characters")),
                f"{share:.1%}",
                f"≤ {targets['uncommon_char_share']:.0%}",
                share <= targets["uncommon_char_share"],
            ),
        ]
    grade = metrics["flesch_kincaid_grade"]
    return [
        ReadingLevelRow(
            str(_("Flesch-Kincaid grade")),
            f"{grade:.1f}",
            f"≤ {targets['flesch_kincaid_grade']:g}",
            grade <= targets["flesch_kincaid_grade"],
        ),
    ]


def last_review_decision(page: Page) -> TaskState | None:
    """The most recent approval or change request with a comment, so the author sees what the reviewer said."""
    return (
        TaskState.objects.for_instance(page)
        .filter(status__in=[TaskState.STATUS_REJECTED, TaskState.STATUS_APPROVED])
        .exclude(comment="")
        .select_related("finished_by")
        .order_by("-finished_at", "-id")
        .first()
    )


def check_results_context(page: Page) -> dict[str, Any]:
    """What the editor shows about the latest saved revision: its report, findings placed in words, reading level."""
    revision = None
    if page.pk and page.latest_revision_id:
        revision = Revision.objects.filter(pk=page.latest_revision_id).first()
    stored = latest_report(revision)
    language = translation.get_language() or "zh-hans"
    return {
        "saved": revision is not None,
        "stored": stored,
        "current": stored is not None and is_current(stored),
        "findings": finding_rows(stored, language) if stored else [],
        "reading_level": reading_level_rows(stored) if stored else [],
        "decision": last_review_decision(page) if page.pk else None,
    }


def changes_requested(page: Page) -> TaskState | None:
    """The reviewer's change request while the page is still sent back to its author (not yet resubmitted)."""
    if not page.pk:
        return None
    state = WorkflowState.objects.for_instance(page).order_by("-created_at", "-id").first()
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    return (
        TaskState.objects.filter(workflow_state=state, status=TaskState.STATUS_REJECTED)
        .select_related("finished_by")
        .order_by("-finished_at", "-id")
        .first()
    )


class ReviewFeedbackPanel(Panel):
    """A banner at the top of the editor while an editor's change request is open: their comment and what to fix."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "moderation/panels/review_feedback.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.request_state = changes_requested(self.instance)

        def is_shown(self):
            return self.request_state is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            results = check_results_context(self.instance)
            context.update(
                change_request=self.request_state,
                reviewer=self.request_state.finished_by,
                to_fix=[row for row in results["findings"] if row.severity in ("error", "warning")],
                stored=results["stored"],
            )
            return context


class CheckResultsPanel(Panel):
    """Findings (severity, place, explanation) and reading level of the latest saved revision."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Automated checks"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "moderation/panels/check_results.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(check_results_context(self.instance))
            return context
