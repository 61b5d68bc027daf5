"""Moderation records: editable claim rules, check reports per revision, approval overrides, training examples.

The pure checks live in :mod:`cms.moderation.checks`; this module only stores
their inputs (rules) and outputs (reports).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..checks import CLAIM_CATEGORIES, CheckReport, ClaimRuleError
from ..checks import ClaimRule as ClaimRuleDefinition
from ..checks.findings import SEVERITIES

SEVERITY_LABELS = {"info": _("info"), "warning": _("warning"), "error": _("error")}
CATEGORY_LABELS = {
    "absolute_terms": _("absolute terms"),
    "efficacy_guarantee": _("efficacy guarantee"),
    "cure_rate": _("cure rate"),
    "comparison": _("comparison"),
    "endorsement": _("endorsement"),
    "non_medical_disease_claim": _("non medical disease claim"),
    "disguised_advertising": _("disguised advertising"),
    "reported_safety_result": _("reported safety result"),
    "testimonial": _("patient testimonial"),
    "crowd_proof": _("crowd proof"),
    "before_after": _("before and after"),
    "refund_guarantee": _("refund guarantee"),
    "natural_safety": _("natural and safe claim"),
    "miracle_claim": _("miracle claim"),
    "fear_selling": _("fear selling"),
    "urgency_selling": _("urgency selling"),
}
SEVERITY_CHOICES = [(severity, SEVERITY_LABELS[severity]) for severity in SEVERITIES]
VERDICT_CHOICES = [("pass", _("Pass")), ("warnings", _("Warnings")), ("errors", _("Errors"))]
RULE_LANGUAGE_CHOICES = [("zh", _("Chinese")), ("en", _("English"))]
CATEGORY_CHOICES = [(category, CATEGORY_LABELS[category]) for category in CLAIM_CATEGORIES]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ClaimRule(models.Model):
    """One health-advertising claim rule, editable by Editors; the database copy of ``rules/claim_rules.json``.

    Patterns, terms and exceptions are stored one per line so editors can
    change them in a plain text box; :meth:`clean` compiles the rule with the
    same code the checks use, so a broken regex never reaches a check run.
    """

    rule_id = models.CharField(_("rule id"), max_length=100, unique=True, help_text=_("e.g. zh.efficacy.cure"))
    category = models.CharField(_("category"), max_length=40, choices=CATEGORY_CHOICES)
    language = models.CharField(_("language"), max_length=2, choices=RULE_LANGUAGE_CHOICES)
    severity = models.CharField(_("severity"), max_length=10, choices=SEVERITY_CHOICES, default="warning")
    enabled = models.BooleanField(_("enabled"), default=True)
    negatable = models.BooleanField(
        _("negatable"),
        default=True,
        help_text=_("Ignore the claim when the sentence denies it (没有任何药物能根治, there is no miracle cure)."),
    )
    patterns = models.TextField(_("patterns"), blank=True, help_text=_("Regular expressions, one per line."))
    terms = models.TextField(_("terms"), blank=True, help_text=_("Literal words or phrases, one per line."))
    exceptions = models.TextField(
        _("exceptions"),
        blank=True,
        help_text=_(
            "Regular expressions, one per line; a claim inside one of their matches is not flagged (第一次服药)."
        ),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    legal_basis_en = models.CharField(_("legal basis (English)"), max_length=300, blank=True)
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    suggestion_zh = models.TextField(_("suggestion (Chinese)"), blank=True)
    suggestion_en = models.TextField(_("suggestion (English)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["language", "category", "rule_id"]
        verbose_name = _("claim rule")
        verbose_name_plural = _("claim rules")

    def __str__(self) -> str:
        return self.rule_id

    def to_record(self) -> dict[str, Any]:
        """The record :meth:`ClaimRuleSet.from_records` reads."""
        return {
            "id": self.rule_id,
            "category": self.category,
            "language": self.language,
            "severity": self.severity,
            "legal_basis": self.legal_basis,
            "legal_basis_en": self.legal_basis_en,
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
            "suggestion_zh": self.suggestion_zh,
            "suggestion_en": self.suggestion_en,
            "patterns": _lines(self.patterns),
            "terms": _lines(self.terms),
            "exceptions": _lines(self.exceptions),
            "negatable": self.negatable,
            "enabled": self.enabled,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ClaimRule:
        return cls(
            rule_id=record["id"],
            category=record["category"],
            language=record["language"],
            severity=record["severity"],
            legal_basis=record["legal_basis"],
            legal_basis_en=record.get("legal_basis_en", ""),
            explanation_zh=record["explanation_zh"],
            explanation_en=record["explanation_en"],
            suggestion_zh=record.get("suggestion_zh", ""),
            suggestion_en=record.get("suggestion_en", ""),
            patterns="\n".join(record.get("patterns") or ()),
            terms="\n".join(record.get("terms") or ()),
            exceptions="\n".join(record.get("exceptions") or ()),
            negatable=record.get("negatable", True),
            enabled=record.get("enabled", True),
        )

    def clean(self) -> None:
        super().clean()
        try:
            ClaimRuleDefinition.from_record(self.to_record())
        except ClaimRuleError as error:
            field = next((name for name in ("patterns", "terms", "exceptions") if f"'{name}'" in str(error)), None)
            raise ValidationError({field: str(error)} if field else str(error)) from error


class RevisionCheckReport(models.Model):
    """The automated check report of one revision under one set of rules and settings.

    A revision can have several reports when the rules change between its
    submission and its approval; ``fingerprint`` (rules + settings) tells them
    apart and keeps re-runs idempotent.
    """

    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name=_("revision"), on_delete=models.CASCADE, related_name="check_reports"
    )
    verdict = models.CharField(_("verdict"), max_length=10, choices=VERDICT_CHOICES)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    info_count = models.PositiveIntegerField(_("notes"), default=0)
    report = models.JSONField(_("report"))
    ruleset_fingerprint = models.CharField(_("claim rules fingerprint"), max_length=32, blank=True)
    fingerprint = models.CharField(_("rules and settings fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "fingerprint"], name="moderation_one_report_per_revision_and_rules"
            ),
        ]
        verbose_name = _("check report")
        verbose_name_plural = _("check reports")

    def __str__(self) -> str:
        return _("revision %(revision)s: %(verdict)s") % {
            "revision": self.revision_id,
            "verdict": self.get_verdict_display(),
        }

    def as_report(self) -> CheckReport:
        return CheckReport.from_dict(self.report)

    def error_findings(self) -> list[dict[str, Any]]:
        return [finding for finding in self.report.get("findings", []) if finding.get("severity") == "error"]


class ApprovalOverride(models.Model):
    """An editor approved a revision although the automated checks reported errors, and said why."""

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name=_("revision"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_state = models.ForeignKey(
        "wagtailcore.TaskState", verbose_name=_("task state"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_title = models.CharField(_("page title"), max_length=255)  # kept when the page is deleted
    reason = models.TextField(_("reason"))
    error_findings = models.JSONField(_("overridden error findings"))
    ruleset_fingerprint = models.CharField(_("claim rules fingerprint"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval override")
        verbose_name_plural = _("approval overrides")

    def __str__(self) -> str:
        return f"{self.page_title} ({self.created_at:%Y-%m-%d})"


class ClaimExample(models.Model):
    """A sentence labelled by an editor's decision in review, kept for the next training of the claim model.

    When an editor approves despite claim findings (an :class:`ApprovalOverride`), each flagged
    sentence is recorded here as *legitimate*: the editor judged it acceptable. ``train_claim_model``
    reads these rows next to the development corpus.
    """

    LABEL_CHOICES = [("violation", _("violation")), ("legitimate", _("legitimate"))]

    text = models.TextField(_("sentence"))
    language = models.CharField(_("language"), max_length=2, choices=RULE_LANGUAGE_CHOICES)
    label = models.CharField(_("label"), max_length=10, choices=LABEL_CHOICES)
    category = models.CharField(_("category flagged"), max_length=40, blank=True)
    rule_id = models.CharField(_("rule or model that flagged it"), max_length=100, blank=True)
    override = models.ForeignKey(
        ApprovalOverride,
        verbose_name=_("approval override"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claim_examples",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["override", "text"], name="moderation_one_example_per_override_sentence")
        ]
        verbose_name = _("claim training example")
        verbose_name_plural = _("claim training examples")

    def __str__(self) -> str:
        return f"{self.get_label_display()}: {self.text[:40]}"
