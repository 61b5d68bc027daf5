"""A plain, framework-free view of a page revision: the ground floor the other apps read.

The moderation checks and the media pipeline work on this instead of on
Wagtail pages, so they can be tested and run without a database. Each
reviewed page type builds it from one of its revisions with ``as_document()``
(``Article`` and ``EncyclopediaEntry``); code that reads documents asks for
that method and never imports the page models.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from cms.core.languages import language_family

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
class DocumentRecording:
    """The doctor's own narration of one paragraph ("title", "summary" or a block id), as it was recorded.

    ``fingerprint`` is :func:`narration_fingerprint` of the text the doctor read; when the
    paragraph's text no longer has that fingerprint the recording is out of date.
    """

    paragraph: str
    fingerprint: str
    audio_name: str  # the cleaned clip in Django's default storage
    audio_sha256: str
    duration_s: float


def narration_fingerprint(text: str) -> str:
    """A fingerprint of the words of a paragraph: white space and line breaks do not count."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


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
    recordings: tuple[DocumentRecording, ...] = field(default=())

    @property
    def is_chinese(self) -> bool:
        return language_family(self.language) == "zh"

    def narration_texts(self) -> dict[str, str]:
        """What a doctor can record, by paragraph key: the title, the summary, each block with words."""
        texts = {"title": self.title, "summary": self.summary}
        for block in self.blocks:
            caption = block.image.caption if block.image else ""
            words = "\n".join(filter(None, [block.text, *block.items, block.answer, caption]))
            if block.block_id and words.strip():
                texts[block.block_id] = words
        return {key: text for key, text in texts.items() if text.strip()}

    def current_recordings(self) -> dict[str, DocumentRecording]:
        """The recordings made for the paragraph text as it is now; an edited paragraph's is left out."""
        texts = self.narration_texts()
        return {
            recording.paragraph: recording
            for recording in self.recordings
            if recording.paragraph in texts
            and narration_fingerprint(texts[recording.paragraph]) == recording.fingerprint
        }

    def images(self) -> list[DocumentImage]:
        return [block.image for block in self.blocks if block.kind == "image" and block.image]


# Building blocks from Wagtail values: duck-typed, so this module still imports no framework.

_HREF = re.compile(r'href="([^"]+)"')
_LINE_END = re.compile(r"</(p|li|h\d)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def flatten_rich_text(html: str) -> str:
    """Rich text to plain text, keeping list items and paragraphs on their own lines."""
    from html import unescape

    lines = [" ".join(unescape(_TAG.sub("", line)).split()) for line in _LINE_END.sub("\n", html).splitlines()]
    return "\n".join(line for line in lines if line)


def links_in(html: str) -> tuple[str, ...]:
    return tuple(_HREF.findall(html))


def rich_text_block(kind: BlockKind, html: str, block_id: str) -> DocumentBlock:
    return DocumentBlock(kind, text=flatten_rich_text(html), links=links_in(html), block_id=block_id)


def document_image(image, caption: str) -> DocumentImage | None:
    """An illustration (a Wagtail image of the library) as the pipeline reads it."""
    if image is None:
        return None
    try:
        path = Path(image.file.path)
    except NotImplementedError:  # remote storage: the pipeline fetches it
        path = None
    focal = None
    if image.focal_point_x is not None:
        focal = (image.focal_point_x, image.focal_point_y, image.focal_point_width, image.focal_point_height)
    return DocumentImage(
        path=path,
        alt_text=image.alt_text,
        caption=caption or "",
        width=image.width,
        height=image.height,
        focal_point=focal,
        source_url=image.source_url,
    )


# Documents of pages and revisions: duck-typed as well (any page type with ``as_document()``).


class NoDocument(TypeError):
    """The page type builds no document (it has no ``as_document()``), so nothing reads its text."""


def has_document(page: Any) -> bool:
    """Whether ``page``'s type builds a document (the reviewed page types do)."""
    specific_class = page.specific_class
    return specific_class is not None and hasattr(specific_class, "as_document")


def page_document(page: Any) -> ArticleDocument:
    page = page.specific
    if not hasattr(page, "as_document"):
        raise NoDocument(f"{type(page).__name__} pages have no document")
    return page.as_document()


def revision_document(revision: Any) -> ArticleDocument:
    """The revision's content (not the live page's) as a document stamped with that revision's id."""
    document = page_document(revision.as_object())
    return dataclasses.replace(document, article_id=int(revision.object_id), revision_id=revision.pk)
