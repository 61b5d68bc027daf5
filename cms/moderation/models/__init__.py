"""Moderation's models, in two modules because the review task sits above the code that uses the records.

:mod:`.records` holds what the checks read and write (claim rules, reports, overrides, training
examples); :mod:`.workflow` holds the review task, which applies :mod:`cms.moderation.approval`.
The modules below the task (approval, reports, forms, configuration, the check tasks) import
:mod:`.records` directly; everything else imports the models from here, as Django expects.
"""

from .records import ApprovalOverride, ClaimExample, ClaimRule, RevisionCheckReport
from .workflow import HealthCheckedApprovalTask

__all__ = ["ApprovalOverride", "ClaimExample", "ClaimRule", "HealthCheckedApprovalTask", "RevisionCheckReport"]
