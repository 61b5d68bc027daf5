"""The readable text of an article, cut into pieces that keep their position.

Every check that looks at wording goes through :func:`text_segments` so all of
them agree on what counts as article text and report offsets the editor can
highlight.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from cms.core.documents import ArticleDocument

from .findings import TextLocation

SegmentRole = Literal["title", "summary", "heading", "body", "question", "reference", "caption", "alt_text"]


@dataclass(frozen=True)
class TextSegment:
    """One field of one block (or the title/summary) with its role in the article."""

    text: str
    role: SegmentRole
    block_index: int | None
    block_id: str = ""
    block_kind: str = ""
    field: str = ""

    def location(self, start: int | None = None, end: int | None = None) -> TextLocation:
        return TextLocation(
            block_index=self.block_index,
            block_id=self.block_id,
            block_kind=self.block_kind,
            field=self.field,
            start=start,
            end=end,
        )


def text_segments(document: ArticleDocument) -> Iterator[TextSegment]:
    """Yield every non-blank piece of text of the article in reading order."""
    if document.title.strip():
        yield TextSegment(document.title, "title", None, field="title")
    if document.summary.strip():
        yield TextSegment(document.summary, "summary", None, field="summary")
    for index, block in enumerate(document.blocks):
        common: dict[str, Any] = {"block_index": index, "block_id": block.block_id, "block_kind": block.kind}
        if block.kind == "heading":
            role: SegmentRole = "heading"
        elif block.kind == "qa":
            role = "question"
        elif block.kind == "references":
            role = "reference"
        else:
            role = "body"
        if block.text.strip():
            yield TextSegment(block.text, role, field="text", **common)
        for item_index, item in enumerate(block.items):
            if item.strip():
                yield TextSegment(item, role, field=f"items[{item_index}]", **common)
        if block.answer.strip():
            yield TextSegment(block.answer, "body", field="answer", **common)
        if block.image is not None:
            if block.image.caption.strip():
                yield TextSegment(block.image.caption, "caption", field="caption", **common)
            if block.image.alt_text.strip():
                yield TextSegment(block.image.alt_text, "alt_text", field="alt_text", **common)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of ``text`` in the segment it came from
    end: int


# A sentence ends at Chinese end punctuation, at ! ? ; anywhere, at a full stop
# followed by whitespace (so "2.5 mg" and "www.who.int" stay whole), and at line breaks.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』)）\"']*|\.(?=\s|$)[”’\"')）]*|\n+")
# Abbreviations after which a full stop does not end an English sentence.
_ABBREVIATION_BEFORE_DOT = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|vs|etc|approx|No|Fig|e\.g|i\.e|cf|al))$", re.IGNORECASE
)


def split_sentences(text: str) -> list[Sentence]:
    """Split Chinese or English text into sentences with offsets (empty pieces dropped)."""
    sentences: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _ABBREVIATION_BEFORE_DOT.search(text, 0, match.start()):
            continue
        _append_sentence(sentences, text, start, match.end())
        start = match.end()
    _append_sentence(sentences, text, start, len(text))
    return sentences


def _append_sentence(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    leading = len(piece) - len(piece.lstrip())
    sentences.append(Sentence(stripped, start + leading, start + leading + len(stripped)))
