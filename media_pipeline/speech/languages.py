"""The two languages the studio speaks, and how their codes are spelled."""

from __future__ import annotations

from typing import Literal

SpeechLanguage = Literal["zh", "en"]

_ALIASES: dict[str, SpeechLanguage] = {
    "zh": "zh",
    "zh-hans": "zh",
    "zh-cn": "zh",
    "zh-sg": "zh",
    "cmn": "zh",
    "zh-cmn": "zh",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
}


class UnsupportedLanguageError(ValueError):
    """The text's language has no speech rules or voices in this studio."""


def normalize_language(code: str) -> SpeechLanguage:
    """Map Django/BCP-47 style codes ("zh-hans", "en-US") to "zh" or "en"."""
    key = (code or "").strip().lower().replace("_", "-")
    try:
        return _ALIASES[key]
    except KeyError:
        raise UnsupportedLanguageError(
            f"unsupported speech language {code!r}; supported: zh-hans (zh), en"
        ) from None
