"""What the admin shows for a source string: tests compare pages with the admin's language, not with English."""

from __future__ import annotations

from django.utils import translation

ADMIN_LANGUAGE = "zh-hans"  # settings.LANGUAGE_CODE: what the admin speaks to a browser that asks for nothing else


def admin_text(message: str, **params) -> str:
    """``message`` (an English source string) as the admin shows it, with ``params`` filled in."""
    with translation.override(ADMIN_LANGUAGE):
        text = translation.gettext(message)
    return text % params if params else text


def admin_ntext(singular: str, plural: str, count: int, **params) -> str:
    """The singular or plural form of a message for ``count``, as the admin shows it."""
    with translation.override(ADMIN_LANGUAGE):
        text = translation.ngettext(singular, plural, count)
    return text % params if params else text
