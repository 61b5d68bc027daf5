"""The one publication rule: what of a page review approved, and which pages may go out.

Media rendering (audio, video, share images) and distribution (feeds,
campaigns, patient messages, shared links) only ever use what these
functions return; none of them reads ``live`` or ``live_revision`` itself.

How revisions move: an author's saves create draft revisions; submitting
starts the Medical review workflow; an editor's approval publishes the latest
revision, which becomes the page's *live revision*. Editing a published
article creates a new draft revision that must be submitted and approved
again; until then the live page, and this rule, keep returning the
previously approved revision, so patients never see unreviewed text and a
pending revision is never distributed.
"""

from __future__ import annotations

from wagtail.models import Page, PageManager, Revision
from wagtail.query import PageQuerySet

from .documents import ArticleDocument, revision_document


def approved_revision_id(page: Page) -> int | None:
    """The id of the live (last published) revision of ``page``; ``None`` when nothing of it is approved or it is
    unpublished. Enough when only the id is compared, without loading the revision."""
    return page.live_revision_id if page.live else None


def approved_revision(page: Page) -> Revision | None:
    """The live (last published) revision of ``page``; ``None`` when nothing of it is approved or it is unpublished."""
    return page.live_revision if approved_revision_id(page) is not None else None


def approved_document(page: Page) -> ArticleDocument | None:
    """The approved revision's content as the document the media pipeline renders, or ``None``."""
    revision = approved_revision(page)
    return revision_document(revision) if revision is not None else None


def approved_pages(pages: PageQuerySet | PageManager) -> PageQuerySet:
    """The pages review approved and nobody withdrew since (Wagtail's *live* pages).

    For closed audiences (a doctor's own patients); what anyone may read is :func:`public_pages`.
    """
    return pages.live()


def public_pages(pages: PageQuerySet | PageManager) -> PageQuerySet:
    """Approved pages without a view restriction: what feeds, search and the public site list."""
    return approved_pages(pages).public()
