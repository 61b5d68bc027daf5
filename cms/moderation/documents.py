"""What the checks read: a revision of any reviewed page type as an :class:`ArticleDocument`.

A page type is reviewed when it builds its own document (``as_document()``,
see :mod:`cms.core.documents`); moderation never imports the page models.
"""

from __future__ import annotations

import dataclasses

from wagtail.models import Page, Revision

from cms.core.documents import ArticleDocument


class NotCheckable(TypeError):
    """The page type has no text the health-content checks understand."""


def page_document(page: Page) -> ArticleDocument:
    page = page.specific
    if not hasattr(page, "as_document"):
        raise NotCheckable(f"{type(page).__name__} pages are not checked by the health-content checks")
    return page.as_document()


def revision_document(revision: Revision) -> ArticleDocument:
    """The revision's content (not the live page's) as a document stamped with that revision's id."""
    document = page_document(revision.as_object())
    return dataclasses.replace(document, article_id=int(revision.object_id), revision_id=revision.pk)


def is_checkable(page: Page) -> bool:
    specific_class = page.specific_class
    return specific_class is not None and hasattr(specific_class, "as_document")
