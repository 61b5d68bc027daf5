"""The editor panel that shows the author the automated check results and the reviewer's last decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel
from wagtail.models import Page, Revision, TaskState

from .models import RevisionCheckReport


@dataclass(frozen=True)
class FindingRow:
    severity: str
    location: str
    message: str
    excerpt: str
    rule_id: str


@dataclass(frozen=True)
class ReadingLevelRow:
    label: str
    value: str
    target: str
    within_target: bool


def finding_rows(stored: RevisionCheckReport, language: str) -> list[FindingRow]:
    """Findings in the reader's language, errors first (the report is already ordered that way)."""
    rows = []
    for finding in stored.as_report().findings:
        where = finding.position.describe() if finding.position else finding.location
        rows.append(FindingRow(finding.severity, where, finding.message(language), finding.excerpt, finding.rule_id or finding.check))
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
            ReadingLevelRow(str(_("Average sentence length (characters)")), f"{average:.1f}",
                            f"≤ {targets['average_sentence_chars']:g}", average <= targets["average_sentence_chars"]),
            ReadingLevelRow(str(_("Share of uncommon characters")), f"{share:.1%}",
                            f"≤ {targets['uncommon_char_share']:.0%}", share <= targets["uncommon_char_share"]),
        ]
    grade = metrics["flesch_kincaid_grade"]
    return [
        ReadingLevelRow(str(_("Flesch-Kincaid grade")), f"{grade:.1f}", f"≤ {targets['flesch_kincaid_grade']:g}",
                        grade <= targets["flesch_kincaid_grade"]),
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


class CheckResultsPanel(Panel):
    """Findings (severity, location, explanation) and reading level of the latest saved revision."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Automated checks"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "moderation/panels/check_results.html"

        def get_context_data(self, parent_context=None):
            # Imported here: page models import this panel, and the reports import the page models.
            from .reports import is_current, latest_report

            context = super().get_context_data(parent_context)
            page = self.instance
            revision = None
            if page.pk and page.latest_revision_id:
                revision = Revision.objects.filter(pk=page.latest_revision_id).first()
            stored = latest_report(revision)
            language = translation.get_language() or "zh-hans"
            context.update(
                saved=revision is not None,
                stored=stored,
                current=stored is not None and is_current(stored),
                findings=finding_rows(stored, language) if stored else [],
                reading_level=reading_level_rows(stored) if stored else [],
                decision=last_review_decision(page) if page.pk else None,
            )
            return context
