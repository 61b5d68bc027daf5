"""Drop stored reading pages when what they show changes: a publish, an unpublish, new media."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from wagtail.signals import page_published, page_unpublished

from cms.articles.models import Article
from media_pipeline.models import MediaRender, RenderStatus

from .models import ShareLink
from .page_cache import forget_article_pages, forget_link_pages


def _forget_after_commit(article_id: int) -> None:
    """Now, and again after the commit: a request rendering between the two would have stored the old text."""
    forget_article_pages(article_id)
    transaction.on_commit(lambda: forget_article_pages(article_id))


def page_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    _forget_after_commit(instance.pk)


def media_render_saved(sender: Any, instance: MediaRender, **kwargs: Any) -> None:
    if instance.status == RenderStatus.SUCCEEDED:
        _forget_after_commit(instance.article_id)


def share_link_saved(sender: Any, instance: ShareLink, created: bool, **kwargs: Any) -> None:
    """A changed expiry or a revocation must reach readers at once, not when the stored page times out."""
    if not created:
        forget_link_pages([instance.token])
        transaction.on_commit(lambda: forget_link_pages([instance.token]))


def connect() -> None:
    page_published.connect(page_changed, sender=Article, dispatch_uid="sharing-forget-on-publish")
    page_unpublished.connect(page_changed, sender=Article, dispatch_uid="sharing-forget-on-unpublish")
    post_save.connect(share_link_saved, sender=ShareLink, dispatch_uid="sharing-forget-on-link-change")
    post_save.connect(media_render_saved, sender=MediaRender, dispatch_uid="sharing-forget-on-media")
