"""Automated health-content checks of the moderation queue (issue 3).

Entry point: ``run_checks(document, config) -> CheckReport``. Claim rules are
data: ``ClaimRuleSet.from_records(records)`` builds them from database rows,
``default_claim_rules()`` loads the shipped ``rules/claim_rules.json``.
No Django imports here, so everything runs without a database.
"""

from .check_interface import Check, MeasuringCheck
from .claim_rules import (
    CLAIM_CATEGORIES,
    ClaimMatch,
    ClaimRule,
    ClaimRuleError,
    ClaimRuleSet,
    NegationCues,
    default_claim_rules,
)
from .config import DEFAULT_ALLOWED_LINK_DOMAINS, CheckConfig
from .dosage import DosageCheck, find_dosage_statements
from .empty_sections import EmptySectionCheck
from .external_links import ExternalLinkCheck
from .findings import CheckReport, Finding, ReportFormatError, Severity, TextLocation, Verdict, verdict_for
from .health_claims import HealthClaimCheck
from .images import ImageAltTextCheck
from .reading_level import ReadingLevelCheck, count_syllables, measure_chinese, measure_english
from .references import MissingReferencesCheck, TreatmentVocabulary
from .runner import DEFAULT_CHECKS, check_names, run_checks

__all__ = [
    "CLAIM_CATEGORIES",
    "DEFAULT_ALLOWED_LINK_DOMAINS",
    "DEFAULT_CHECKS",
    "Check",
    "CheckConfig",
    "CheckReport",
    "ClaimMatch",
    "ClaimRule",
    "ClaimRuleError",
    "ClaimRuleSet",
    "DosageCheck",
    "EmptySectionCheck",
    "ExternalLinkCheck",
    "Finding",
    "HealthClaimCheck",
    "ImageAltTextCheck",
    "MeasuringCheck",
    "MissingReferencesCheck",
    "NegationCues",
    "ReadingLevelCheck",
    "ReportFormatError",
    "Severity",
    "TextLocation",
    "TreatmentVocabulary",
    "Verdict",
    "check_names",
    "count_syllables",
    "default_claim_rules",
    "find_dosage_statements",
    "measure_chinese",
    "measure_english",
    "run_checks",
    "verdict_for",
]
