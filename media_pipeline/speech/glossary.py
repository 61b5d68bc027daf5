"""Editable abbreviation glossary: how "HbA1c" or "BMI" should be said.

The glossary is plain data so the lead can back it with an admin-editable
model later; the studio ships :data:`DEFAULT_GLOSSARY_PATH` as a default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from media_pipeline.speech.languages import SpeechLanguage

DEFAULT_GLOSSARY_PATH = Path(__file__).with_name("default_glossary.json")


class GlossaryError(ValueError):
    """A glossary file or entry is malformed."""


@dataclass(frozen=True)
class GlossaryEntry:
    """Spoken forms of one abbreviation; an empty form leaves it as written."""

    zh: str = ""
    en: str = ""

    def spoken(self, language: SpeechLanguage) -> str:
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True)
class Glossary:
    """Abbreviation -> :class:`GlossaryEntry`, matched case-sensitively as whole words."""

    entries: Mapping[str, GlossaryEntry] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Glossary:
        """Build from ``{"BMI": {"zh": "体重指数", "en": "body mass index"}, ...}``.

        Keys starting with "_" are comments. A plain string value is used for
        both languages.
        """
        entries: dict[str, GlossaryEntry] = {}
        for term, value in data.items():
            if term.startswith("_"):
                continue
            if not isinstance(term, str) or not term.strip():
                raise GlossaryError(f"glossary term must be a non-empty string, got {term!r}")
            if isinstance(value, str):
                entries[term] = GlossaryEntry(zh=value, en=value)
            elif isinstance(value, Mapping):
                unknown = set(value) - {"zh", "en"}
                if unknown:
                    raise GlossaryError(f"glossary term {term!r} has unknown languages {sorted(unknown)}")
                zh, en = value.get("zh", ""), value.get("en", "")
                if not isinstance(zh, str) or not isinstance(en, str):
                    raise GlossaryError(f"glossary term {term!r}: spoken forms must be strings")
                entries[term] = GlossaryEntry(zh=zh, en=en)
            else:
                raise GlossaryError(f"glossary term {term!r}: expected a string or {{zh, en}} mapping")
        return cls(entries=entries)

    @classmethod
    def from_file(cls, path: str | Path) -> Glossary:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise GlossaryError(f"cannot read glossary {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise GlossaryError(f"glossary {path} must contain a JSON object")
        return cls.from_mapping(data)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        terms = sorted(self.entries, key=len, reverse=True)  # "HbA1c" before "Hb"
        alternatives = "|".join(re.escape(term) for term in terms)
        # ASCII-only word boundaries: Chinese characters touch abbreviations directly.
        return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")

    def expand(self, text: str, language: SpeechLanguage) -> str:
        """Replace every known abbreviation by its spoken form in ``language``."""
        pattern = self._pattern
        if pattern is None:
            return text

        def spoken(match: re.Match[str]) -> str:
            form = self.entries[match.group(0)].spoken(language)
            return form or match.group(0)

        return pattern.sub(spoken, text)


def default_glossary() -> Glossary:
    """The glossary shipped with the studio."""
    return Glossary.from_file(DEFAULT_GLOSSARY_PATH)
