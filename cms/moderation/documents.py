"""What the checks read: a revision of any reviewed page type as an :class:`ArticleDocument`.

Articles build their own document (``Article.as_document``). Encyclopedia
entries go through the same Medical review workflow but have no document of
their own, so :func:`encyclopedia_document` flattens them here: each section
becomes a heading plus a paragraph, illustrations become image blocks and the
references one references block.
"""

from __future__ import annotations

import dataclasses

from wagtail.models import Page, Revision

from cms.articles.document import ArticleDocument, DocumentBlock, document_image, rich_text_block
from cms.encyclopedia.models import EncyclopediaEntry
from cms.encyclopedia.sections import section_heading


class NotCheckable(TypeError):
    """The page type has no text the health-content checks understand."""


def encyclopedia_document(entry: EncyclopediaEntry) -> ArticleDocument:
    blocks: list[DocumentBlock] = []
    for section in entry.sections:
        heading = section.value["heading"] or section_heading(section.block_type, entry.locale.language_code)
        blocks.append(DocumentBlock("heading", text=heading, block_id=f"{section.id}-heading"))
        blocks.append(rich_text_block("paragraph", section.value["body"].source, section.id))
    for illustration in entry.illustrations:
        image = document_image(illustration.value["image"], illustration.value["caption"])
        blocks.append(DocumentBlock("image", image=image, block_id=illustration.id))
    references = tuple(
        " ".join(filter(None, [ref.value["citation"], ref.value["url"]])) for ref in entry.references
    )
    if references:
        blocks.append(DocumentBlock("references", items=references, block_id="references"))
    return ArticleDocument(
        title=entry.title,
        language=entry.locale.language_code,
        blocks=tuple(blocks),
        summary=entry.summary,
        last_reviewed=entry.last_reviewed,
        article_id=entry.pk,
        revision_id=entry.latest_revision_id,
    )


def page_document(page: Page) -> ArticleDocument:
    page = page.specific
    if hasattr(page, "as_document"):
        return page.as_document()
    if isinstance(page, EncyclopediaEntry):
        return encyclopedia_document(page)
    raise NotCheckable(f"{type(page).__name__} pages are not checked by the health-content checks")


def revision_document(revision: Revision) -> ArticleDocument:
    """The revision's content (not the live page's) as a document stamped with that revision's id."""
    document = page_document(revision.as_object())
    return dataclasses.replace(document, article_id=int(revision.object_id), revision_id=revision.pk)


def is_checkable(page: Page) -> bool:
    specific_class = page.specific_class
    return specific_class is not None and (
        hasattr(specific_class, "as_document") or issubclass(specific_class, EncyclopediaEntry)
    )
