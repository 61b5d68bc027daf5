"""Check: an article that advises on treatment or dosage must cite its sources.

Triggered by treatment/medication wording (``rules/treatment_advice.json``) or
by any dosage statement; satisfied by a ``references`` block with at least one
non-blank item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cms.core.documents import ArticleDocument

from .check_interface import finding_for_block
from .config import CheckConfig
from .document_text import text_segments
from .dosage import find_dosage_statements
from .findings import Finding

TREATMENT_ADVICE_PATH = Path(__file__).with_name("rules") / "treatment_advice.json"
_ADVICE_ROLES = frozenset({"title", "summary", "heading", "body", "question", "caption"})
_MAX_REPORTED_TRIGGERS = 5


@dataclass(frozen=True)
class TreatmentVocabulary:
    """Regexes that mark treatment advice, per language."""

    zh: re.Pattern[str]
    en: re.Pattern[str]

    @classmethod
    def from_lists(cls, zh: Iterable[str], en: Iterable[str]) -> TreatmentVocabulary:
        zh_terms, en_terms = list(zh), list(en)
        if not zh_terms or not en_terms:
            raise ValueError("treatment vocabulary needs at least one Chinese and one English entry")
        try:
            return cls(
                zh=re.compile("|".join(f"(?:{term})" for term in zh_terms)),
                en=re.compile("|".join(f"(?:{term})" for term in en_terms), re.IGNORECASE),
            )
        except re.error as error:
            raise ValueError(f"invalid treatment vocabulary regex: {error}") from error

    def find(self, text: str) -> list[str]:
        return [match.group() for pattern in (self.zh, self.en) for match in pattern.finditer(text)]


@lru_cache(maxsize=1)
def default_treatment_vocabulary() -> TreatmentVocabulary:
    raw = json.loads(TREATMENT_ADVICE_PATH.read_text(encoding="utf-8"))
    return TreatmentVocabulary.from_lists(raw["zh"], raw["en"])


def has_references(document: ArticleDocument) -> bool:
    return any(block.kind == "references" and any(item.strip() for item in block.items) for block in document.blocks)


def treatment_advice_triggers(document: ArticleDocument, vocabulary: TreatmentVocabulary | None = None) -> list[str]:
    """The words and dosages that make this article treatment advice (empty: it gives none)."""
    vocabulary = vocabulary or default_treatment_vocabulary()
    triggers: list[str] = []
    for segment in text_segments(document):
        if segment.role not in _ADVICE_ROLES:
            continue
        triggers.extend(match.text for match in find_dosage_statements(segment.text))
        triggers.extend(vocabulary.find(segment.text))
    return list(dict.fromkeys(triggers))  # unique, first occurrence order


class MissingReferencesCheck:
    name = "missing_references"

    def __init__(self, vocabulary: TreatmentVocabulary | None = None) -> None:
        self._vocabulary = vocabulary

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        if has_references(document):
            return []
        triggers = treatment_advice_triggers(document, self._vocabulary)
        if not triggers:
            return []
        empty_block = next((index for index, block in enumerate(document.blocks) if block.kind == "references"), None)
        shown = "、".join(triggers[:_MAX_REPORTED_TRIGGERS])
        shown_en = ", ".join(triggers[:_MAX_REPORTED_TRIGGERS])
        if empty_block is None:
            zh, en = "文章没有参考文献", "The article has no references block"
        else:
            zh, en = "参考文献模块是空的", "The references block is empty"
        return [
            finding_for_block(
                check=self.name,
                severity=config.severity_for(config.missing_references_severity, self.name),
                document=document,
                block_index=empty_block,
                field="items" if empty_block is not None else "article",
                rule_id="references.required_for_treatment_advice",
                excerpt=triggers[0],
                message_zh=f"{zh}，但包含治疗或用药建议（如：{shown}）。请补充指南、说明书或文献出处。",
                message_en=f"{en}, yet it gives treatment or medication advice (e.g. {shown_en}). "
                "Cite the guideline, label or literature.",
                data={"triggers": triggers[:_MAX_REPORTED_TRIGGERS], "trigger_count": len(triggers)},
            )
        ]
