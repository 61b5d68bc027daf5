"""A plain, framework-free view of an article revision.

The moderation checks and the media pipeline work on this instead of on
Wagtail pages, so they can be tested and run without a database. It is built
from an article revision by ``Article.as_document()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

BlockKind = Literal[
    "heading",  # a section heading
    "paragraph",  # running text (plain text, rich text already flattened)
    "image",  # an illustration with alt text and caption
    "key_points",  # a list of short take-away sentences
    "warning",  # a callout the patient must not miss
    "qa",  # a question and its answer
    "references",  # literature references
    "list",  # a bulleted list inside a section
]


@dataclass(frozen=True)
class DocumentImage:
    """An illustration as the pipeline needs it: a readable file and its metadata."""

    path: Path | None  # local file; None when the storage has no local path (fetch first)
    alt_text: str
    caption: str = ""
    width: int = 0
    height: int = 0
    focal_point: tuple[int, int, int, int] | None = None  # x, y, width, height in pixels
    source_url: str = ""


@dataclass(frozen=True)
class DocumentBlock:
    """One block of an article body, in reading order."""

    kind: BlockKind
    text: str = ""  # heading, paragraph, warning text; the question for ``qa``
    items: tuple[str, ...] = ()  # key points, list items, references
    answer: str = ""  # only for ``qa``
    image: DocumentImage | None = None  # only for ``image``
    links: tuple[str, ...] = ()  # URLs of links found in the block's rich text
    block_id: str = ""  # the StreamField block id, stable across revisions


@dataclass(frozen=True)
class ArticleDocument:
    """An article revision, flattened for checking, speaking and rendering."""

    title: str
    language: str  # "zh-hans" or "en"
    blocks: tuple[DocumentBlock, ...]
    summary: str = ""
    doctor_name: str = ""
    doctor_title: str = ""
    hospital: str = ""
    share_url: str = ""  # the public share link (for QR codes and end cards)
    last_reviewed: date | None = None
    article_id: int | None = None
    revision_id: int | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def is_chinese(self) -> bool:
        return self.language.lower().startswith("zh")

    def images(self) -> list[DocumentImage]:
        return [block.image for block in self.blocks if block.kind == "image" and block.image]
