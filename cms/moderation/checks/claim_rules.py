"""Health-advertising claim rules as editable data, and the matcher that applies them.

Rules are plain records (see ``rules/claim_rules.json`` for the shipped
defaults) so the admin can store and edit them in the database and load them
with :meth:`ClaimRuleSet.from_records`. A rule matches by regular expressions
or literal terms; three mechanisms keep patient-education wording from being
flagged:

* ``exceptions``: regexes that, when one of their matches *covers* the whole
  claim match, dismiss it ("第一次服药" covers "第一", "最好在饭后" covers
  "最好");
* negation cues before the match in the same clause ("没有任何药物能根治",
  "there is no miracle cure") for rules marked ``negatable``;
* negation cues after the match in the same sentence ("……能根治的说法是骗人的",
  "a guaranteed cure does not exist").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .findings import Severity, validate_severity

RuleLanguage = Literal["zh", "en"]
RULE_LANGUAGES: tuple[RuleLanguage, ...] = ("zh", "en")
CLAIM_CATEGORIES: tuple[str, ...] = (
    "absolute_terms",
    "efficacy_guarantee",
    "cure_rate",
    "comparison",
    "endorsement",
    "non_medical_disease_claim",
    "disguised_advertising",
    "reported_safety_result",
    "testimonial",
    "crowd_proof",
    "before_after",
    "refund_guarantee",
    "natural_safety",
    "miracle_claim",
    "fear_selling",
    "urgency_selling",
)
DEFAULT_RULES_PATH = Path(__file__).with_name("rules") / "claim_rules.json"

_REQUIRED_FIELDS = ("id", "category", "language", "severity", "legal_basis", "explanation_zh", "explanation_en")
_OPTIONAL_FIELDS = (
    "patterns",
    "terms",
    "exceptions",
    "negatable",
    "enabled",
    "legal_basis_en",
    "suggestion_zh",
    "suggestion_en",
)


class ClaimRuleError(ValueError):
    """A rule record is malformed; the message names the rule and the field."""


@dataclass(frozen=True)
class ClaimRule:
    id: str
    category: str
    language: RuleLanguage
    severity: Severity
    legal_basis: str
    explanation_zh: str
    explanation_en: str
    patterns: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    negatable: bool = True
    enabled: bool = True
    legal_basis_en: str = ""
    suggestion_zh: str = ""
    suggestion_en: str = ""
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    _compiled_exceptions: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ClaimRule:
        if not isinstance(record, Mapping):
            raise ClaimRuleError(f"a claim rule must be a mapping, got {type(record).__name__}")
        rule_id = record.get("id") or "<without id>"
        missing = [name for name in _REQUIRED_FIELDS if not str(record.get(name) or "").strip()]
        if missing:
            raise ClaimRuleError(f"claim rule {rule_id!r}: missing required field(s) {', '.join(missing)}")
        unknown = set(record) - set(_REQUIRED_FIELDS) - set(_OPTIONAL_FIELDS)
        if unknown:
            raise ClaimRuleError(f"claim rule {rule_id!r}: unknown field(s) {', '.join(sorted(unknown))}")
        if record["language"] not in RULE_LANGUAGES:
            raise ClaimRuleError(f"claim rule {rule_id!r}: language must be 'zh' or 'en', got {record['language']!r}")
        if record["category"] not in CLAIM_CATEGORIES:
            raise ClaimRuleError(
                f"claim rule {rule_id!r}: category must be one of {', '.join(CLAIM_CATEGORIES)}, "
                f"got {record['category']!r}"
            )
        try:
            severity = validate_severity(record["severity"], context=f"claim rule {rule_id!r}")
        except ValueError as error:
            raise ClaimRuleError(str(error)) from error
        patterns = _string_tuple(record, "patterns", rule_id)
        terms = _string_tuple(record, "terms", rule_id)
        exceptions = _string_tuple(record, "exceptions", rule_id)
        if not patterns and not terms:
            raise ClaimRuleError(f"claim rule {rule_id!r}: needs at least one entry in 'patterns' or 'terms'")
        language: RuleLanguage = record["language"]
        flags = re.IGNORECASE if language == "en" else 0
        compiled = tuple(_compile(pattern, flags, rule_id, "patterns") for pattern in patterns)
        if terms:
            compiled += (_compile(_terms_regex(terms, language), flags, rule_id, "terms"),)
        return cls(
            id=str(record["id"]),
            category=record["category"],
            language=language,
            severity=severity,
            legal_basis=str(record["legal_basis"]),
            explanation_zh=str(record["explanation_zh"]),
            explanation_en=str(record["explanation_en"]),
            patterns=patterns,
            terms=terms,
            exceptions=exceptions,
            negatable=_boolean(record, "negatable", True, rule_id),
            enabled=_boolean(record, "enabled", True, rule_id),
            legal_basis_en=str(record.get("legal_basis_en") or ""),
            suggestion_zh=str(record.get("suggestion_zh") or ""),
            suggestion_en=str(record.get("suggestion_en") or ""),
            _compiled=compiled,
            _compiled_exceptions=tuple(_compile(pattern, flags, rule_id, "exceptions") for pattern in exceptions),
        )

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {name: getattr(self, name) for name in _REQUIRED_FIELDS}
        for name in _OPTIONAL_FIELDS:
            value = getattr(self, name)
            record[name] = list(value) if isinstance(value, tuple) else value
        return record


def _string_tuple(record: Mapping[str, Any], name: str, rule_id: str) -> tuple[str, ...]:
    value = record.get(name) or ()
    if isinstance(value, str) or not all(isinstance(item, str) and item for item in value):
        raise ClaimRuleError(f"claim rule {rule_id!r}: {name!r} must be a list of non-empty strings")
    return tuple(value)


def _boolean(record: Mapping[str, Any], name: str, default: bool, rule_id: str) -> bool:
    value = record.get(name, default)
    if not isinstance(value, bool):
        raise ClaimRuleError(f"claim rule {rule_id!r}: {name!r} must be true or false, got {value!r}")
    return value


def _compile(pattern: str, flags: int, rule_id: str, where: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern, flags)
    except re.error as error:
        raise ClaimRuleError(f"claim rule {rule_id!r}: invalid regex in {where!r}: {pattern!r}: {error}") from error
    if compiled.match(""):
        raise ClaimRuleError(f"claim rule {rule_id!r}: regex in {where!r} matches the empty string: {pattern!r}")
    return compiled


def _terms_regex(terms: tuple[str, ...], language: RuleLanguage) -> str:
    # Longest first so "100%有效" wins over "100%"; English terms only match whole words.
    alternation = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    if language == "en":
        return rf"(?<![\w-])(?:{alternation})(?![\w-])"
    return f"(?:{alternation})"


@dataclass(frozen=True)
class NegationCues:
    """Words that turn a claim into its denial, per language, and how far they reach."""

    before: tuple[str, ...]  # regexes searched in the clause before the match
    after: tuple[str, ...]  # regexes searched after the match in the same sentence
    clause_breaks: tuple[str, ...]  # regexes ending the reach of a cue (contrast words, clause punctuation)
    window: int  # how many characters before/after the match a cue may be
    _before: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _after: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _breaks: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_record(cls, language: str, record: Mapping[str, Any]) -> NegationCues:
        context = f"negation cues for {language!r}"
        try:
            before = tuple(record.get("before") or ())
            after = tuple(record.get("after") or ())
            breaks = tuple(record.get("clause_breaks") or ())
            window = int(record["window"])
        except (KeyError, TypeError, ValueError) as error:
            raise ClaimRuleError(f"{context}: {error!r}") from error
        if window <= 0:
            raise ClaimRuleError(f"{context}: window must be positive")
        flags = re.IGNORECASE if language == "en" else 0
        return cls(
            before=before,
            after=after,
            clause_breaks=breaks,
            window=window,
            _before=_compile("|".join(f"(?:{cue})" for cue in before), flags, context, "before") if before else None,
            _after=_compile("|".join(f"(?:{cue})" for cue in after), flags, context, "after") if after else None,
            _breaks=_compile("|".join(f"(?:{cue})" for cue in breaks), flags, context, "clause_breaks")
            if breaks
            else None,
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "before": list(self.before),
            "after": list(self.after),
            "clause_breaks": list(self.clause_breaks),
            "window": self.window,
        }

    def negates(self, sentence: str, start: int, end: int) -> bool:
        before = sentence[max(0, start - self.window) : start]
        if self._breaks is not None:
            breaks = list(self._breaks.finditer(before))
            if breaks:
                before = before[breaks[-1].end() :]
        if self._before is not None and self._before.search(before):
            return True
        after = sentence[end : end + self.window]
        if self._breaks is not None:
            # Commas do not end the reach after the claim: "能根治糖尿病的说法，是骗人的".
            for found in self._breaks.finditer(after):
                if found.group() not in {",", "，"}:
                    after = after[: found.start()]
                    break
        return bool(self._after is not None and self._after.search(after))


@dataclass(frozen=True)
class ClaimMatch:
    rule: ClaimRule
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ClaimRuleSet:
    """The rules of both languages plus their negation cues; immutable and cheap to share."""

    rules: tuple[ClaimRule, ...]
    negation: Mapping[str, NegationCues]
    version: str = ""

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        negation: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        version: str = "",
    ) -> ClaimRuleSet:
        """Build a rule set from rule records (e.g. rows from the admin's rule table).

        ``negation`` defaults to the cues shipped with the default rules, so the
        database only needs to hold rules unless an editor changes the cues.
        """
        rules = tuple(ClaimRule.from_record(record) for record in records)
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ClaimRuleError(f"duplicate claim rule id {rule.id!r}")
            seen.add(rule.id)
        if negation is None:
            negation = _default_rules_file()["negation"]
        cues: dict[str, NegationCues] = {
            language: NegationCues.from_record(language, negation.get(language) or {"window": 1})
            for language in RULE_LANGUAGES
        }
        return cls(rules=rules, negation=cues, version=version)

    @classmethod
    def from_json_file(cls, path: Path) -> ClaimRuleSet:
        raw = _read_rules_file(path)
        return cls.from_records(raw["rules"], raw["negation"], version=str(raw.get("version", "")))

    def to_records(self) -> list[dict[str, Any]]:
        return [rule.to_record() for rule in self.rules]

    def to_json_data(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "negation": {language: cues.to_record() for language, cues in self.negation.items()},
            "rules": self.to_records(),
        }

    @property
    def fingerprint(self) -> str:
        """A short hash of the rules and cues, stored with each report to tell which rules produced it."""
        canonical = json.dumps(self.to_json_data(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def for_language(self, language: RuleLanguage) -> tuple[ClaimRule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled and rule.language == language)

    def match_sentence(self, sentence: str, language: RuleLanguage) -> list[ClaimMatch]:
        """All claims in one sentence, after exceptions and negations, in text order."""
        matches: list[ClaimMatch] = []
        cues = self.negation[language]
        for rule in self.for_language(language):
            taken: list[tuple[int, int]] = []
            for candidate in _candidates(rule, sentence):
                start, end = candidate.span()
                if any(start < other_end and other_start < end for other_start, other_end in taken):
                    continue
                if _covered_by_exception(rule, sentence, start, end):
                    continue
                if rule.negatable and cues.negates(sentence, start, end):
                    continue
                taken.append((start, end))
                matches.append(ClaimMatch(rule, start, end, candidate.group()))
        matches.sort(key=lambda match: (match.start, match.rule.id))
        return matches


def _candidates(rule: ClaimRule, sentence: str) -> Iterator[re.Match[str]]:
    for pattern in rule._compiled:
        for match in pattern.finditer(sentence):
            if match.end() > match.start():
                yield match


def _covered_by_exception(rule: ClaimRule, sentence: str, start: int, end: int) -> bool:
    for pattern in rule._compiled_exceptions:
        # Search from every position up to the claim so overlapping exception matches are not missed.
        position = 0
        while position <= start:
            found = pattern.search(sentence, position)
            if found is None or found.start() > start:
                break
            if found.end() >= end:
                return True
            position = found.start() + 1
    return False


def _read_rules_file(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ClaimRuleError(f"cannot read claim rules from {path}: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list) or not isinstance(raw.get("negation"), dict):
        raise ClaimRuleError(f"{path}: expected an object with 'rules' (list) and 'negation' (object)")
    return raw


@lru_cache(maxsize=1)
def _default_rules_file() -> dict[str, Any]:
    return _read_rules_file(DEFAULT_RULES_PATH)


@lru_cache(maxsize=1)
def default_claim_rules() -> ClaimRuleSet:
    """The rules shipped with the code; what the admin's rule table is seeded from."""
    return ClaimRuleSet.from_json_file(DEFAULT_RULES_PATH)
