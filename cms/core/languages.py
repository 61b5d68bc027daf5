"""The studio's two languages and the one rule for telling them apart.

Content (pages, messages, voices) is Chinese or English. Any language code a
browser, a CSV file or a Wagtail locale carries ('zh-hans', 'zh-CN', 'en-gb', …)
maps to one of the two site languages; user-facing text is then rendered with
Django's translation machinery activated for that language.
"""

from __future__ import annotations

CHINESE = "zh-hans"
ENGLISH = "en"
HTML_LANG = {CHINESE: "zh-Hans", ENGLISH: "en"}


def normalise_language(code: str | None) -> str | None:
    """Map any language code to a site language ('zh-hans' or 'en'), or None if it is neither."""
    if not code:
        return None
    code = code.lower()
    if code.startswith("zh"):
        return CHINESE
    if code.startswith("en"):
        return ENGLISH
    return None


def site_language(code: str | None, default: str = CHINESE) -> str:
    """Like :func:`normalise_language`, falling back to Chinese (the studio's first language)."""
    return normalise_language(code) or default
