"""Moderation's models, in two modules because the review task sits above the code that uses the records.

:mod:`.records` holds what the checks read and write (claim rules, reports, overrides, training
examples); :mod:`.workflow` holds the review task, which applies :mod:`cms.moderation.approval`.
The modules below the task (approval, reports, forms, configuration, the check tasks) import
:mod:`.records` directly; everything else imports the models from here, as Django expects.
"""

from .records import (
    CATEGORY_CHOICES,
    CATEGORY_LABELS,
    RULE_LANGUAGE_CHOICES,
    SEVERITY_CHOICES,
    SEVERITY_LABELS,
    VERDICT_CHOICES,
    ApprovalOverride,
    ClaimExample,
    ClaimRule,
    RevisionCheckReport,
)
from .workflow import HealthCheckedApprovalTask

__all__ = [
    "CATEGORY_CHOICES", "CATEGORY_LABELS", "RULE_LANGUAGE_CHOICES", "SEVERITY_CHOICES", "SEVERITY_LABELS",
    "VERDICT_CHOICES", "ApprovalOverride", "ClaimExample", "ClaimRule", "HealthCheckedApprovalTask",
    "RevisionCheckReport",
]
