"""The studio's two languages and the one rule for telling them apart.

Content (pages, messages, voices) is Chinese or English. Any language code a
browser, a CSV file, a TTS engine or a Wagtail locale carries ('zh-hans', 'zh_CN',
'cmn', 'en-gb', …) belongs to one of the two families, :func:`language_family`;
user-facing text is then rendered with Django's translation machinery activated
for that family's site language, :func:`site_language`.

Django-free on purpose: the moderation checks and the speech rules use it too.
"""

from __future__ import annotations

from typing import Literal, overload

LanguageFamily = Literal["zh", "en"]

CHINESE = "zh-hans"
ENGLISH = "en"
HTML_LANG = {CHINESE: "zh-Hans", ENGLISH: "en"}
LANGUAGE_LABELS = {CHINESE: "中文", ENGLISH: "English"}  # each language named in itself
SITE_LANGUAGE: dict[LanguageFamily, str] = {"zh": CHINESE, "en": ENGLISH}

# Mandarin spelled as ISO 639-3 ("cmn", "zh-cmn") is Chinese as well.
_CHINESE_PREFIXES = ("zh", "cmn")


@overload
def language_family(code: str | None, default: LanguageFamily) -> LanguageFamily: ...
@overload
def language_family(code: str | None, default: None = None) -> LanguageFamily | None: ...
def language_family(code: str | None, default: LanguageFamily | None = None) -> LanguageFamily | None:
    """'zh' or 'en' for any spelling of a Chinese or English language code; ``default`` for anything else."""
    code = (code or "").strip().lower()
    if code.startswith(_CHINESE_PREFIXES):
        return "zh"
    if code.startswith("en"):
        return "en"
    return default


@overload
def site_language(code: str | None, default: str = CHINESE) -> str: ...
@overload
def site_language(code: str | None, default: None) -> str | None: ...
def site_language(code: str | None, default: str | None = CHINESE) -> str | None:
    """The site language ('zh-hans' or 'en') of ``code``; ``default`` (Chinese, the studio's first) for neither."""
    family = language_family(code)
    return SITE_LANGUAGE[family] if family else default
