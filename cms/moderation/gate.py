"""The one publication gate downstream code asks: which revision of a page did review approve?

Media rendering (audio, video, share images) and distribution (feeds,
campaigns, patient messages) must only ever use the revision returned here.

How revisions move: an author's saves create draft revisions; submitting
starts the Medical review workflow; an editor's approval publishes the latest
revision, which becomes the page's *live revision*. Editing a published
article creates a new draft revision that must be submitted and approved
again; until then the live page, and this gate, keep returning the
previously approved revision, so patients never see unreviewed text.
"""

from __future__ import annotations

from wagtail.models import Page, Revision

from cms.articles.document import ArticleDocument

from .documents import revision_document


def approved_revision(page: Page) -> Revision | None:
    """The live (last published) revision of ``page``; ``None`` when nothing of it is approved or it is unpublished."""
    if not page.live or page.live_revision_id is None:
        return None
    return page.live_revision


def approved_document(page: Page) -> ArticleDocument | None:
    """The approved revision's content as the document the media pipeline renders, or ``None``."""
    revision = approved_revision(page)
    return revision_document(revision) if revision is not None else None
