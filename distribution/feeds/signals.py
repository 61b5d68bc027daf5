"""Reactions to Wagtail publishing and new media: partner events for articles, WebSub pings for the feeds they touch."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import pre_delete
from wagtail.signals import page_published, page_unpublished

from cms.articles.models import Article
from cms.core.outbox import enqueue
from cms.encyclopedia.models import EncyclopediaEntry, ICD10Chapter
from cms.encyclopedia.signals import entries_imported
from media_pipeline.models import VIDEO_KINDS, RenderKind
from media_pipeline.signals import outputs_published

from . import partners, websub
from .models import PartnerDelivery
from .scopes import EncyclopediaEntries, FeedScope, scopes_for_article, scopes_for_encyclopedia_entry
from .tasks import ping_websub_hub, queue_partner_deliveries

logger = logging.getLogger(__name__)


class _PingBatch:
    """The topics changed in one transaction, each pinged once when it commits (bulk imports touch
    the same chapter feed thousands of times).

    Every change registers its own ``on_commit`` callback with its topics, so a rollback (of the
    transaction or of a savepoint) discards exactly what it undid; the callbacks that do run after the
    commit ping each topic the first time one of them names it. The first to run closes the batch: a
    change after it belongs to the next transaction.
    """

    def __init__(self, hub: str):
        self.hub = hub
        self.pinged: set[str] = set()
        self.committed = False

    def committed_with(self, topics: list[str]) -> None:
        self.committed = True
        for topic in topics:
            if topic not in self.pinged:
                self.pinged.add(topic)
                enqueue(ping_websub_hub, self.hub, topic)


_open_batch: ContextVar[_PingBatch | None] = ContextVar("feeds_websub_batch", default=None)


def _batch_for_transaction(hub: str) -> _PingBatch:
    batch = _open_batch.get()
    if batch is None or batch.committed or batch.hub != hub:
        batch = _PingBatch(hub)
        _open_batch.set(batch)
    return batch


def ping_feeds_of(page: Any) -> list[str]:
    """Queue a WebSub ping (after commit) for every feed showing ``page``; returns the topics."""
    if not websub.hub_url():
        return []
    return ping_scopes(scopes_for_article(page) if isinstance(page, Article) else scopes_for_encyclopedia_entry(page))


def ping_scopes(scopes: list[FeedScope]) -> list[str]:
    """Queue a WebSub ping (after commit) for every format of every scope; returns the topics."""
    hub = websub.hub_url()
    if not hub:
        return []
    topics = websub.topic_urls(scopes)
    transaction.on_commit(partial(_batch_for_transaction(hub).committed_with, topics))
    return topics


def _queue(deliveries: list[PartnerDelivery]) -> None:
    queue_partner_deliveries(delivery.pk for delivery in deliveries)


def article_published(sender: Any, instance: Article, revision: Any = None, alias: bool = False, **kwargs: Any) -> None:
    if alias or instance.alias_of_id:  # aliases mirror another page, which has its own events
        return
    revision_id = revision.pk if revision is not None else instance.live_revision_id
    _queue(partners.record_article_published(instance, revision_id))
    ping_feeds_of(instance)


def article_unpublished(sender: Any, instance: Article, **kwargs: Any) -> None:
    if instance.alias_of_id:
        return
    _queue(partners.record_article_withdrawn(instance))
    ping_feeds_of(instance)


def article_deleted(sender: Any, instance: Article, **kwargs: Any) -> None:
    """Deleting a live article in the admin does not unpublish it first: retract here."""
    if instance.alias_of_id or not instance.pk:
        return
    _queue(partners.record_article_withdrawn(instance, deleting=True))
    if instance.live:
        ping_feeds_of(instance)


def media_published(sender: Any, render: Any, article: Article, **kwargs: Any) -> None:
    """A new narration or video changes the article's enclosures (captions and share images are none)."""
    if render.kind == RenderKind.VOICE or render.kind in VIDEO_KINDS:
        ping_feeds_of(article)


def entry_changed(sender: Any, instance: EncyclopediaEntry, **kwargs: Any) -> None:
    if kwargs.get("alias") or instance.alias_of_id:
        return
    ping_feeds_of(instance)


def encyclopedia_imported(sender: Any, entry_ids: list[int], **kwargs: Any) -> None:
    """A bulk import publishes without ``page_published``: ping each feed it touched once, for all its entries."""
    if not websub.hub_url():
        return
    pairs = (
        EncyclopediaEntry.objects.filter(pk__in=entry_ids, live=True, alias_of__isnull=True)
        .values_list("locale__language_code", "chapter_id")
        .distinct()
    )
    chapters = ICD10Chapter.objects.in_bulk({chapter for _language, chapter in pairs if chapter})
    scopes: dict[FeedScope, None] = {}
    for language, chapter_id in pairs:
        scopes[EncyclopediaEntries(language)] = None
        if chapter_id:
            scopes[EncyclopediaEntries(language, chapter=chapters[chapter_id])] = None
    ping_scopes(list(scopes))


def connect() -> None:
    page_published.connect(article_published, sender=Article, dispatch_uid="feeds.article_published")
    page_unpublished.connect(article_unpublished, sender=Article, dispatch_uid="feeds.article_unpublished")
    pre_delete.connect(article_deleted, sender=Article, dispatch_uid="feeds.article_deleted")
    page_published.connect(entry_changed, sender=EncyclopediaEntry, dispatch_uid="feeds.entry_published")
    page_unpublished.connect(entry_changed, sender=EncyclopediaEntry, dispatch_uid="feeds.entry_unpublished")
    entries_imported.connect(encyclopedia_imported, sender=EncyclopediaEntry, dispatch_uid="feeds.entries_imported")
    outputs_published.connect(media_published, dispatch_uid="feeds.media_published")
