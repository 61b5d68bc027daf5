"""How long an SMS is, and how to fit a title and a link into a segment budget.

A single SMS holds 160 GSM-7 characters, or 70 when any character needs
UCS-2 (Chinese always does). Longer texts are sent as concatenated parts of
153 / 67 characters each, and every part is billed. Chinese providers count
the 【signature】 as part of the text. When a text exceeds the configured
number of parts, the title is shortened; the link is never touched, because a
cut link is worse than no message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["SmsLength", "measure_sms", "fit_title", "SmsTooLongError"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # sent as escape + char: two septets each

SINGLE_LIMIT = {"gsm7": 160, "ucs2": 70}
PART_LIMIT = {"gsm7": 153, "ucs2": 67}


class SmsTooLongError(ValueError):
    """The fixed text and the link alone exceed the segment budget."""


@dataclass(frozen=True)
class SmsLength:
    encoding: Literal["gsm7", "ucs2"]
    units: int  # GSM-7 septets or UTF-16 code units
    segments: int


def measure_sms(text: str) -> SmsLength:
    """Encoding, length in encoding units, and number of parts ``text`` is sent as."""
    if not text:
        return SmsLength("gsm7", 0, 0)
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        encoding: Literal["gsm7", "ucs2"] = "gsm7"
    else:
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # astral characters are surrogate pairs
        encoding = "ucs2"
    units = sum(costs)
    if units <= SINGLE_LIMIT[encoding]:
        return SmsLength(encoding, units, 1)
    # Parts are filled greedily; an escape pair or a surrogate pair is never split.
    limit, segments, used = PART_LIMIT[encoding], 1, 0
    for cost in costs:
        if used + cost > limit:
            segments, used = segments + 1, 0
        used += cost
    return SmsLength(encoding, units, segments)


def fit_title(render: Callable[[str], str], title: str, max_segments: int) -> tuple[str, SmsLength]:
    """The longest form of ``title`` for which ``render(title)`` fits ``max_segments`` parts.

    ``render`` builds the complete SMS text (signature, template, link) around
    a title. A shortened title ends in an ellipsis ("…", or "..." when the rest
    of the text is GSM-7 so that the ellipsis does not force UCS-2).
    Raises ``SmsTooLongError`` when even a one-character title does not fit.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    title = " ".join(title.split())
    length = measure_sms(render(title))
    if length.segments <= max_segments:
        return title, length
    ellipsis = "..." if measure_sms(render("")).encoding == "gsm7" else "…"

    def candidate(keep: int) -> str:
        return title[:keep].rstrip() + ellipsis

    # Binary search for the longest prefix that fits (length grows monotonically with it).
    low, high, best = 1, len(title) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if measure_sms(render(candidate(middle))).segments <= max_segments:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    if best is None:
        fixed = measure_sms(render(""))
        raise SmsTooLongError(
            f"the template, signature and link alone take {fixed.units} {fixed.encoding} units "
            f"({fixed.segments} parts); no room for a title within {max_segments} parts"
        )
    shortened = candidate(best)
    return shortened, measure_sms(render(shortened))
