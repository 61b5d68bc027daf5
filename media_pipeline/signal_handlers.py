"""Publishing an article (= moderation approved it) starts its media renders.

Only the revision that became live is rendered, and only once the publish
transaction has committed (a rolled-back publish renders nothing; a worker
never reads a revision that is not yet visible). ``KEPU_MEDIA_RENDER_ON_PUBLISH
= False`` turns this off (renders then start from the admin or
``render_article``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from wagtail.models import PageLogEntry
from wagtail.signals import page_published

from cms.articles.models import Article
from media_pipeline.jobs import start_renders_for_published

logger = logging.getLogger(__name__)


def render_on_publish(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    if kwargs.get("alias") or revision is None:
        return  # an alias shares its original's media; a publish without a revision has nothing approved
    if not getattr(settings, "KEPU_MEDIA_RENDER_ON_PUBLISH", True):
        return
    article_id, revision_id, author = instance.pk, revision.pk, getattr(revision, "user", None)
    # robust: a broker outage is logged, it never turns a successful publish into an error page
    transaction.on_commit(
        lambda: start_renders_for_published(
            article_id, revision_id, requested_by=publisher_of(article_id, revision_id) or author
        ),
        robust=True,
    )


def publisher_of(page_id: int, revision_id: int) -> Any:
    """Who published the revision (the approving editor), from Wagtail's log; the signal does not say.

    ``revision.user`` is whoever saved the revision, usually the doctor who wrote it, so the render
    jobs would otherwise read "doctor · publish" although an editor approved them.
    """
    entry = (
        PageLogEntry.objects.filter(
            page_id=page_id, revision_id=revision_id, action="wagtail.publish", user__isnull=False
        )
        .select_related("user")
        .order_by("-timestamp", "-pk")
        .first()
    )
    return entry.user if entry else None


def connect() -> None:
    page_published.connect(render_on_publish, sender=Article, dispatch_uid="media_pipeline.render_on_publish")
