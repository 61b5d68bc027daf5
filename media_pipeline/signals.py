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

logger = logging.getLogger(__name__)


def render_on_publish(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    if kwargs.get("alias") or revision is None:
        return  # an alias shares its original's media; a publish without a revision has nothing approved
    if not getattr(settings, "KEPU_MEDIA_RENDER_ON_PUBLISH", True):
        return
    from media_pipeline.jobs import start_renders_for_published

    article_id, revision_id, user = instance.pk, revision.pk, getattr(revision, "user", None)
    # robust: a broker outage is logged, it never turns a successful publish into an error page
    transaction.on_commit(
        lambda: start_renders_for_published(article_id, revision_id, requested_by=user), robust=True
    )


def connect() -> None:
    from wagtail.signals import page_published

    from cms.articles.models import Article

    page_published.connect(render_on_publish, sender=Article, dispatch_uid="media_pipeline.render_on_publish")
