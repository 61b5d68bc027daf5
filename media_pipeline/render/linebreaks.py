"""Where a caption or title line may break: between words, never inside one.

Chinese has no spaces, so breaking at any character splits words a reader
takes in at a glance (偏|高, 电子血|压计). Chinese runs are segmented with
jieba (the same segmenter the studio's search uses); Latin words, numbers
and readings such as "140/90" or "5.6mmol/L" stay whole; punctuation that may
not start a line is glued to the word before it, an opening bracket or quote
to the word after it.

:func:`balance` then avoids an orphan: when the last line of a wrapped block
is much shorter than the line before it, the two are split evenly.
Both the pixel wrapper (:func:`media_pipeline.render.fonts.wrap_text`, slides and
burned captions) and the character wrapper (:mod:`media_pipeline.render.subtitles`,
WebVTT/SRT) use these pieces, so the page's captions and the burned ones
break in the same places.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

__all__ = ["NO_LINE_END", "NO_LINE_START", "balance", "pieces"]

#: Must not start a line (closing punctuation, small kana, iteration marks).
NO_LINE_START = set("，。、；：？！,.;:?!)）》」』】〕〉”’…—%％·・ー～")
#: Must not end a line (opening brackets, quotes).
NO_LINE_END = set("（《「『【〔〈“‘([{")

_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9./%:+\-'’]*")


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@functools.lru_cache(maxsize=1)
def _segmenter() -> Any:  # a jieba.Tokenizer (jieba has no type information)
    """jieba's stock dictionary in a tokenizer of our own: the search app adds its medical lexicon to jieba's
    default tokenizer, and line breaks (and the readings built on these words) must not change with
    whether a search ran first in the same process."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@functools.lru_cache(maxsize=4096)
def _words(run: str) -> tuple[str, ...]:
    """A run of wide characters as jieba words (HMM on, so unseen names stay together)."""
    return tuple(word for word in _segmenter().cut(run, HMM=True) if word)


def _raw_pieces(text: str) -> list[str]:
    raw: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            raw.append(" ")
            position += 1
        elif _is_wide(char):
            end = position
            while end < len(text) and _is_wide(text[end]):
                end += 1
            raw.extend(_words(text[position:end]))
            position = end
        else:
            match = _LATIN.match(text, position)
            end = match.end() if match else position + 1
            raw.append(text[position:end])
            position = end
    return raw


def pieces(text: str) -> list[str]:
    """Unbreakable pieces of ``text`` in order; single spaces (" ") mark where spacing was."""
    result: list[str] = []
    for piece in _raw_pieces(text):
        if piece == " ":
            if result and result[-1] != " ":
                result.append(" ")
        elif result and result[-1] != " " and (piece[0] in NO_LINE_START or result[-1][-1] in NO_LINE_END):
            result[-1] += piece
        else:
            result.append(piece)
    while result and result[-1] == " ":
        result.pop()
    return result


def balance(
    lines: list[str], measure: Callable[[str], float], limit: float, *, orphan_share: float = 0.34
) -> list[str]:
    """Re-split the last two lines evenly when the last one is an orphan (shorter than ``orphan_share``
    of ``limit``); every line still measures at most ``limit``."""
    if len(lines) < 2 or measure(lines[-1]) >= orphan_share * limit:
        return lines
    joiner = " " if lines[-2] and lines[-1] and not (_is_wide(lines[-2][-1]) and _is_wide(lines[-1][0])) else ""
    parts = pieces(lines[-2] + joiner + lines[-1])
    best: tuple[float, str, str] | None = None
    for cut in range(1, len(parts)):
        first, second = "".join(parts[:cut]).strip(), "".join(parts[cut:]).strip()
        if not first or not second:
            continue
        widths = (measure(first), measure(second))
        if max(widths) <= limit and (best is None or abs(widths[0] - widths[1]) < best[0]):
            best = (abs(widths[0] - widths[1]), first, second)
    if best is None:
        return lines
    return [*lines[:-2], best[1], best[2]]
