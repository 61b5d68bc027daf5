"""What a check reports, and the report stored on a revision.

Everything here round-trips through JSON so a report can be saved with the
revision it was computed for and shown again later without re-running the
checks (the rules may have changed since; ``ruleset_fingerprint`` says which
rules produced it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cms.core.languages import language_family

Severity = Literal["info", "warning", "error"]
Verdict = Literal["pass", "warnings", "errors"]

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
REPORT_FORMAT_VERSION = 1


class ReportFormatError(ValueError):
    """A stored report cannot be read back (corrupt, or written by an incompatible version)."""


def validate_severity(value: object, *, context: str) -> Severity:
    """Return ``value`` as a severity or raise a ValueError naming where it came from."""
    if value not in _SEVERITY_RANK:
        raise ValueError(f"{context}: severity must be one of {', '.join(SEVERITIES)}, got {value!r}")
    return value


def severity_rank(severity: Severity) -> int:
    return _SEVERITY_RANK[severity]


@dataclass(frozen=True)
class TextLocation:
    """Where in the document a finding points, precise enough for the editor to highlight it.

    ``field`` names the part of the block: ``text``, ``answer``, ``items[2]``,
    ``alt_text``, ``caption``, ``links[0]``, ``summary`` or ``title``.
    ``start``/``end`` are character offsets into that field's text.
    """

    block_index: int | None  # None for document-level findings (title, summary, whole article)
    block_id: str = ""
    block_kind: str = ""
    field: str = ""
    start: int | None = None
    end: int | None = None

    def describe(self) -> str:
        if self.block_index is None:
            where = self.field or "article"
        else:
            where = f"block {self.block_index}"
            if self.block_kind:
                where += f" ({self.block_kind}"
                where += f", id {self.block_id})" if self.block_id else ")"
            if self.field:
                where += f" {self.field}"
        if self.start is not None and self.end is not None:
            where += f" chars {self.start}-{self.end}"
        return where


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer or author should look at.

    Both languages are always filled: the author may write in Chinese while
    the reviewer reads English, and the UI picks with :meth:`message`.
    """

    check: str
    severity: Severity
    location: str
    message_zh: str
    message_en: str
    excerpt: str = ""
    rule_id: str | None = None
    position: TextLocation | None = None
    data: Mapping[str, Any] = field(default_factory=dict)  # numbers behind the finding (scores, targets)

    def __post_init__(self) -> None:
        validate_severity(self.severity, context=f"finding of check {self.check!r}")

    def message(self, language: str) -> str:
        return self.message_zh if language_family(language) == "zh" else self.message_en

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["data"] = dict(self.data)
        return result

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Finding:
        try:
            position = raw.get("position")
            return cls(
                check=raw["check"],
                severity=raw["severity"],
                location=raw["location"],
                message_zh=raw["message_zh"],
                message_en=raw["message_en"],
                excerpt=raw.get("excerpt", ""),
                rule_id=raw.get("rule_id"),
                position=TextLocation(**position) if position else None,
                data=dict(raw.get("data") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ReportFormatError(f"invalid finding {raw!r}: {error}") from error


def verdict_for(findings: list[Finding] | tuple[Finding, ...]) -> Verdict:
    """Errors block publication, warnings need a reviewer's decision, info never changes the verdict."""
    severities = {finding.severity for finding in findings}
    if "error" in severities:
        return "errors"
    if "warning" in severities:
        return "warnings"
    return "pass"


@dataclass(frozen=True)
class CheckReport:
    """The outcome of :func:`run_checks` for one revision."""

    findings: tuple[Finding, ...]
    checks_run: tuple[str, ...]
    language: str
    metrics: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # per check, e.g. reading level
    ruleset_fingerprint: str = ""
    article_id: int | None = None
    revision_id: int | None = None

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.findings)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {severity: 0 for severity in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def by_check(self, check: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.check == check]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "verdict": self.verdict,
            "counts": self.counts(),
            "language": self.language,
            "article_id": self.article_id,
            "revision_id": self.revision_id,
            "ruleset_fingerprint": self.ruleset_fingerprint,
            "checks_run": list(self.checks_run),
            "metrics": {name: dict(values) for name, values in self.metrics.items()},
            "findings": [finding.to_dict() for finding in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CheckReport:
        version = raw.get("format_version")
        if version != REPORT_FORMAT_VERSION:
            raise ReportFormatError(f"unsupported report format_version {version!r} (expected {REPORT_FORMAT_VERSION})")
        try:
            return cls(
                findings=tuple(Finding.from_dict(item) for item in raw["findings"]),
                checks_run=tuple(raw["checks_run"]),
                language=raw["language"],
                metrics={name: dict(values) for name, values in (raw.get("metrics") or {}).items()},
                ruleset_fingerprint=raw.get("ruleset_fingerprint", ""),
                article_id=raw.get("article_id"),
                revision_id=raw.get("revision_id"),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ReportFormatError(f"invalid check report: {error}") from error

    @classmethod
    def from_json(cls, text: str) -> CheckReport:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise ReportFormatError(f"check report is not valid JSON: {error}") from error
        if not isinstance(raw, dict):
            raise ReportFormatError("check report JSON must be an object")
        return cls.from_dict(raw)
