"""Settings of the automated checks, one object per run.

Defaults suit patient-education articles; the admin can override any of them
(the lead stores the overrides and builds a CheckConfig from them with
:meth:`CheckConfig.from_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .claim_model import ClaimModel, default_claim_model
from .claim_rules import ClaimRuleSet, default_claim_rules
from .findings import Severity, validate_severity

# Public-health authorities and literature indexes a patient article may link to without review.
DEFAULT_ALLOWED_LINK_DOMAINS: tuple[str, ...] = (
    "nhc.gov.cn",
    "chinacdc.cn",
    "nmpa.gov.cn",
    "gov.cn",
    "who.int",
    "cdc.gov",
    "nih.gov",
    "medlineplus.gov",
    "nhs.uk",
    "nice.org.uk",
    "cochranelibrary.com",
    "doi.org",
)


@dataclass(frozen=True)
class CheckConfig:
    # Which checks run; None = every registered check. Names as in ``Check.name``.
    enabled_checks: frozenset[str] | None = None
    # Severity overrides keyed by rule id ("zh.absolute.best"), claim category
    # ("absolute_terms") or check name ("dosage"); the most specific key wins.
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    claim_rules: ClaimRuleSet | None = None  # None = the shipped defaults
    claims_skip_patient_questions: bool = True  # a qa block's question is the patient's voice, not a claim
    # The statistical layer after the rules (None = the shipped model); it flags sentences no rule matched.
    claim_model: ClaimModel | None = None
    use_claim_model: bool = True
    claim_model_severity: Severity = "warning"

    missing_references_severity: Severity = "warning"
    dosage_severity: Severity = "info"

    image_alt_severity: Severity = "warning"
    min_alt_text_chars_zh: int = 4
    min_alt_text_chars_en: int = 10

    allowed_link_domains: tuple[str, ...] = DEFAULT_ALLOWED_LINK_DOMAINS
    external_link_severity: Severity = "warning"
    reference_link_severity: Severity = "info"  # journal links in the references block are expected

    empty_section_severity: Severity = "warning"

    reading_level_severity: Severity = "warning"
    max_sentence_chars_zh: float = 35.0  # average characters per sentence
    max_uncommon_char_share_zh: float = 0.05  # share of Han characters outside the common list
    max_grade_en: float = 8.0  # Flesch-Kincaid grade
    # Shorter texts give meaningless scores, so they are measured but never flagged.
    min_words_for_reading_level_en: int = 40
    min_chars_for_reading_level_zh: int = 80

    def __post_init__(self) -> None:
        for item in fields(self):
            if item.name.endswith("_severity"):
                validate_severity(getattr(self, item.name), context=f"CheckConfig.{item.name}")
        for key, value in self.severity_overrides.items():
            validate_severity(value, context=f"CheckConfig.severity_overrides[{key!r}]")
        for name in (
            "min_alt_text_chars_zh",
            "min_alt_text_chars_en",
            "min_words_for_reading_level_en",
            "min_chars_for_reading_level_zh",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"CheckConfig.{name} must not be negative")
        for name in ("max_sentence_chars_zh", "max_grade_en"):
            if getattr(self, name) <= 0:
                raise ValueError(f"CheckConfig.{name} must be positive")
        if not 0 <= self.max_uncommon_char_share_zh <= 1:
            raise ValueError("CheckConfig.max_uncommon_char_share_zh must be between 0 and 1")
        if isinstance(self.allowed_link_domains, str):
            raise ValueError("CheckConfig.allowed_link_domains must be a sequence of domains, not one string")

    @property
    def rules(self) -> ClaimRuleSet:
        return self.claim_rules if self.claim_rules is not None else default_claim_rules()

    @property
    def model(self) -> ClaimModel | None:
        if not self.use_claim_model:
            return None
        return self.claim_model if self.claim_model is not None else default_claim_model()

    def is_enabled(self, check_name: str) -> bool:
        return self.enabled_checks is None or check_name in self.enabled_checks

    def severity_for(self, default: Severity, *keys: str | None) -> Severity:
        """The configured severity for the most specific of ``keys`` (rule id first), else ``default``."""
        for key in keys:
            if key and key in self.severity_overrides:
                return self.severity_overrides[key]
        return default

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, claim_rules: ClaimRuleSet | None = None) -> CheckConfig:
        """Build from stored settings; unknown keys are an error so typos do not silently do nothing."""
        known = {item.name for item in fields(cls)} - {"claim_rules", "claim_model"}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown check setting(s): {', '.join(sorted(unknown))}")
        values = dict(raw)
        if values.get("enabled_checks") is not None:
            values["enabled_checks"] = frozenset(values["enabled_checks"])
        if "allowed_link_domains" in values:
            domains = values["allowed_link_domains"]
            if isinstance(domains, str):
                raise ValueError("allowed_link_domains must be a list of domains, not one string")
            values["allowed_link_domains"] = tuple(domains)
        if "severity_overrides" in values:
            values["severity_overrides"] = dict(values["severity_overrides"])
        return replace(cls(claim_rules=claim_rules), **values)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for item in fields(self):
            if item.name in {"claim_rules", "claim_model"}:
                continue
            value = getattr(self, item.name)
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            result[item.name] = value
        return result
