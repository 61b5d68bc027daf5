"""The languages the studio speaks: the two families of :mod:`cms.core.languages`, and nothing else."""

from __future__ import annotations

from cms.core.languages import LanguageFamily, language_family

SpeechLanguage = LanguageFamily


class UnsupportedLanguageError(ValueError):
    """The text's language has no speech rules or voices in this studio."""


def speech_language(code: str) -> SpeechLanguage:
    """The family ("zh" or "en") of a Django/BCP-47 style code ("zh-hans", "en-US"); other languages are refused."""
    family = language_family(code)
    if family is None:
        raise UnsupportedLanguageError(f"unsupported speech language {code!r}; supported: zh-hans (zh), en")
    return family
