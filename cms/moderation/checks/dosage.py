"""Check: dosage statements, so a pharmacist-minded reviewer verifies every number.

A wrong dose in a patient article can hurt someone, and no pattern can tell a
right dose from a wrong one, so every amount, frequency and prescription
abbreviation is surfaced with its exact wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms.core.documents import ArticleDocument

from .check_interface import finding_in_segment
from .config import CheckConfig
from .document_text import text_segments
from .findings import Finding

_DIGITS = r"\d+(?:[.,]\d+)?(?:\s*/\s*\d+)?"
_HAN_NUMBER = r"[一二三四五六七八九十两半]+"
_RANGE = rf"{_DIGITS}(?:\s*(?:-|–|~|～|至|到|to)\s*{_DIGITS})?"
_AMOUNT_UNITS = (
    r"毫克|微克|克|毫升|国际单位|单位|片|粒|袋|支|滴|喷|丸|贴|揿|勺|"
    r"mg|mcg|µg|μg|ug|g|ml|mL|IU|units?|tablets?|tabs?|capsules?|caps|pills?|drops?|puffs?|sachets?|"
    r"teaspoons?|tsp|tablespoons?|tbsp|doses?"
)
_DOSAGE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "500 mg", "1-2 片", "0.5ml", "2 tablets", "1/2 tablet"
        rf"(?<![A-Za-z0-9.]){_RANGE}\s*(?:{_AMOUNT_UNITS})(?![A-Za-z])",
        # "每次一片", "每日三次", "一天两次", "睡前一粒"
        rf"(?:每次|一次|每日|每天|一日|一天|每晚|每早|睡前|饭前|饭后|餐前|餐后)[^，。；,;]{{0,4}}?(?:{_HAN_NUMBER}|\d+)\s*(?:片|粒|袋|支|滴|喷|丸|贴|包|勺|揿|次)",
        # "3次/日", "每8小时一次", "q8h"
        r"\d+\s*次\s*/\s*(?:日|天)|(?:每|隔)\s*\d+\s*(?:小时|h)\s*(?:一次|1次)?",
        r"\b(?:q\.?d|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?\d{1,2}\s?h|prn|q\.?n|q\.?h\.?s)\b\.?",
        # "twice a day", "3 times daily", "every 6 hours", "one tablet"
        r"\b(?:once|twice|three\s+times|four\s+times|\d+\s+times)\s+(?:a|per|each)\s+(?:day|week)\b",
        r"\b(?:once|twice|\d+\s+times)\s+daily\b",
        r"\bevery\s+\d+(?:\s*(?:-|to)\s*\d+)?\s+hours\b",
        r"\b(?:one|two|three|four|half\s+a|a\s+half)\s+(?:tablets?|capsules?|pills?|puffs?|drops?|teaspoons?|sachets?)\b",
    )
)
# Text roles where a dosage matters: what the patient reads as advice.
_DOSAGE_ROLES = frozenset({"title", "summary", "heading", "body", "caption"})


@dataclass(frozen=True)
class DosageMatch:
    start: int
    end: int
    text: str


def find_dosage_statements(text: str) -> list[DosageMatch]:
    """Amounts, frequencies and prescription abbreviations in ``text``; overlapping hits merged."""
    spans = sorted(
        (match.start(), match.end())
        for pattern in _DOSAGE_PATTERNS
        for match in pattern.finditer(text)
        if match.end() > match.start()
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [DosageMatch(start, end, text[start:end].strip()) for start, end in merged]


class DosageCheck:
    name = "dosage"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        severity = config.severity_for(config.dosage_severity, self.name)
        findings: list[Finding] = []
        for segment in text_segments(document):
            if segment.role not in _DOSAGE_ROLES:
                continue
            for match in find_dosage_statements(segment.text):
                findings.append(
                    finding_in_segment(
                        check=self.name,
                        severity=severity,
                        segment=segment,
                        start=match.start,
                        end=match.end,
                        excerpt=match.text,
                        rule_id="dosage.statement",
                        message_zh=f"剂量或用法“{match.text}”：请审核人员核对剂量、频次与药品说明书及适用人群是否一致。",
                        message_en=(
                            f"Dosage \u201c{match.text}\u201d: the reviewer should check the amount and frequency "
                            "against the product label and the intended patients."
                        ),
                    )
                )
        return findings
