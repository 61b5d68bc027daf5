"""What each keyword type of a WeChat template or subscribe message may hold.

WeChat names a keyword by its type and a number (``thing2``, ``phone_number5``)
and rejects a value outside the type's rule with errcode 47003
("argument invalid! data.thing2.value invalid"). The rules, from the official
subscribe-message documentation (订阅消息参数值内容限制说明), which the
category templates of service accounts share:

- https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
- https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html

======================  ==========================================================================
thing                   20 characters or fewer; Chinese, digits, letters or symbols
number                  32 digits or fewer, decimals allowed
letter                  32 letters or fewer
symbol                  5 symbols or fewer
character_string        32 or fewer digits, letters or symbols (no Chinese)
time                    24-hour time, optionally with a date; a range joined by "~"
date                    a date (年月日), optionally with a 24-hour time; a range joined by "~"
amount                  one currency symbol + 10 digits or fewer, decimals allowed, may end in 元
phone_number            17 characters or fewer, digits and symbols (+86-0766-66888866)
car_number              8 characters or fewer; first and last may be Chinese, the rest letters/digits
name                    10 Chinese characters or fewer, or 20 letters/symbols or fewer; mixed counts as Chinese
phrase                  5 Chinese characters or fewer
======================  ==========================================================================

Free text (``thing``, ``name``) is shortened to fit with an ellipsis; values
that would change meaning if cut (numbers, phone numbers, dates…) are checked
and refused instead, so a doctor never sends a wrong phone number.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["KeywordValueError", "keyword_type", "fit_keyword_value", "KEYWORD_TYPES"]

KEYWORD_TYPES = (
    "thing",
    "number",
    "letter",
    "symbol",
    "character_string",
    "time",
    "date",
    "amount",
    "phone_number",
    "car_number",
    "name",
    "phrase",
)


class KeywordValueError(ValueError):
    """A value that the keyword's type cannot hold (WeChat would answer 47003)."""


def keyword_type(keyword: str) -> str:
    """``thing2`` → ``thing``; ``phone_number12`` → ``phone_number`` ('' for keywords of older templates)."""
    kind = keyword.rstrip("0123456789")
    return kind if kind in KEYWORD_TYPES else ""


def _is_han(char: str) -> bool:
    return "CJK" in unicodedata.name(char, "") or "\u3400" <= char <= "\u9fff"


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


_CLOCK = r"(?:[01]?\d|2[0-3])[:：][0-5]\d(?:[:：][0-5]\d)?"
_DAY = r"\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})"
_TIME_POINT = rf"(?:{_DAY}\s*)?{_CLOCK}"
_DATE_POINT = rf"{_DAY}(?:\s*{_CLOCK})?"
_PATTERNS = {
    "number": re.compile(r"[+-]?\d+(?:\.\d+)?"),
    "time": re.compile(rf"{_TIME_POINT}(?:\s*~\s*{_TIME_POINT})?"),
    "date": re.compile(rf"{_DATE_POINT}(?:\s*~\s*{_DATE_POINT})?"),
    "amount": re.compile(r"[¥￥$€£]\d{1,10}(?:\.\d{1,2})?元?|\d{1,10}(?:\.\d{1,2})?元"),
    "car_number": re.compile(r"[\u4e00-\u9fffA-Za-z0-9][A-Za-z0-9]{0,6}[\u4e00-\u9fffA-Za-z0-9]?"),
}


def fit_keyword_value(keyword: str, value: str) -> str:
    """``value`` as the keyword's type allows it: shortened free text, or checked exact values.

    Raises ``KeywordValueError`` for a value that cannot be made to fit without changing its meaning.
    """
    kind = keyword_type(keyword)
    if kind == "thing":
        return _shorten(value, 20)
    if kind == "name":
        if any(_is_han(char) for char in value):
            return _shorten(value, 10)
        return _shorten(value, 20)
    if kind == "phrase":
        if not value or not all(_is_han(char) for char in value) or len(value) > 5:
            raise KeywordValueError(f"{keyword}: a phrase holds at most 5 Chinese characters, nothing else")
        return value
    if kind == "letter":
        if not value or len(value) > 32 or not all(_is_letter(char) for char in value):
            raise KeywordValueError(f"{keyword}: at most 32 letters")
        return value
    if kind == "symbol":
        if not value or len(value) > 5 or not all(_is_symbol(char) for char in value):
            raise KeywordValueError(f"{keyword}: at most 5 symbols")
        return value
    if kind == "character_string":
        if not value or len(value) > 32 or not all(char.isascii() and not char.isspace() for char in value):
            raise KeywordValueError(f"{keyword}: at most 32 digits, letters or symbols")
        return value
    if kind == "phone_number":
        if not value or len(value) > 17 or not all(char.isdigit() or _is_symbol(char) for char in value):
            raise KeywordValueError(f"{keyword}: at most 17 digits and symbols")
        return value
    if kind == "number" and len(value.lstrip("+-").replace(".", "")) > 32:
        raise KeywordValueError(f"{keyword}: at most 32 digits")
    if kind == "car_number" and len(value) > 8:
        raise KeywordValueError(f"{keyword}: at most 8 characters")
    pattern = _PATTERNS.get(kind)
    if pattern is not None and not pattern.fullmatch(value):
        raise KeywordValueError(f"{keyword}: the value does not have the form a {kind} keyword needs")
    return value
