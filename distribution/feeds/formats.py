"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 renderings of a feed scope.

RSS and Atom go through Django's syndication framework, extended with the
WebSub ``hub`` link (and the full HTML body for Atom). JSON Feed has no Django
generator, so it is written here after https://jsonfeed.org/version/1.1.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils import feedgenerator
from django.utils.html import escape

from .enclosures import Enclosure
from .entries import FeedEntry
from .scopes import FeedScope

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class FeedDocument:
    """A scope's entries with the URLs a rendered feed announces about itself."""

    scope: FeedScope
    entries: list[FeedEntry]
    self_url: str
    updated: datetime  # when the feed last changed (newest item update or removal)
    hub_url: str = ""  # WebSub hub; empty when none is configured


class FeedFormat(ABC):
    name: ClassVar[str]
    filename: ClassVar[str]  # the last path segment, e.g. "rss.xml"
    content_type: ClassVar[str]

    @abstractmethod
    def render(self, document: FeedDocument, request: HttpRequest) -> bytes: ...


# --- RSS and Atom through django.contrib.syndication ------------------------------------


class _StableDates:
    """Django dates an empty feed "now", which would change the body (and ETag) every second."""

    feed: dict[str, Any]

    def latest_post_date(self) -> datetime:
        return self.feed["updated"]


class _HubRss(_StableDates, feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with ``<atom:link rel="hub">`` next to Django's ``rel="self"``."""

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        if self.feed.get("hub_url"):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.feed["hub_url"]})


class _HubAtom(_StableDates, feedgenerator.Atom1Feed):
    """Atom with ``<link rel="hub">``, the full body as ``<content>`` and rights per entry."""

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        if self.feed.get("hub_url"):
            handler.addQuickElement("link", "", {"rel": "hub", "href": self.feed["hub_url"]})

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class _ScopeFeed(Feed):
    """Django's Feed driven by a ``FeedDocument`` instead of a model queryset."""

    def __init__(self, feed_type: type[feedgenerator.SyndicationFeed], document: FeedDocument):
        self.feed_type = feed_type
        self.document = document
        self.language = document.scope.language

    def title(self, obj: FeedDocument) -> str:
        return obj.scope.title

    def link(self, obj: FeedDocument) -> str:
        return obj.scope.home_url

    def description(self, obj: FeedDocument) -> str:
        return obj.scope.description

    def feed_url(self, obj: FeedDocument) -> str:
        return obj.self_url

    def feed_guid(self, obj: FeedDocument) -> str:
        return obj.self_url

    def feed_extra_kwargs(self, obj: FeedDocument) -> dict[str, Any]:
        return {"hub_url": obj.hub_url, "updated": obj.updated}

    def items(self, obj: FeedDocument) -> list[FeedEntry]:
        return obj.entries

    def item_title(self, item: FeedEntry) -> str:
        return item.title

    def item_link(self, item: FeedEntry) -> str:
        return item.url

    def item_guid(self, item: FeedEntry) -> str:
        return item.id

    def item_guid_is_permalink(self, item: FeedEntry) -> bool:
        return False

    def item_description(self, item: FeedEntry) -> str | None:
        if self.feed_type is _HubAtom:  # Atom: the summary; the body goes into <content>
            return escape(item.summary) if item.summary else None
        summary = f"<p>{escape(item.summary)}</p>" if item.summary else ""
        return summary + item.content_html

    def item_pubdate(self, item: FeedEntry):
        return item.published

    def item_updateddate(self, item: FeedEntry):
        return item.updated

    def item_author_name(self, item: FeedEntry) -> str | None:
        return ", ".join(author.name for author in item.authors) or None

    def item_author_link(self, item: FeedEntry) -> str | None:
        return item.authors[0].url or None if len(item.authors) == 1 else None

    def item_categories(self, item: FeedEntry) -> tuple[str, ...]:
        return item.tags

    def item_copyright(self, item: FeedEntry) -> str | None:
        return item.rights or None

    def item_enclosures(self, item: FeedEntry) -> list[feedgenerator.Enclosure]:
        chosen: list[Enclosure] = list(item.enclosures)
        if self.feed_type is _HubRss:  # RSS allows one enclosure: the audio (sorted first) for podcast apps
            chosen = chosen[:1]
        return [feedgenerator.Enclosure(e.url, str(e.length), e.mime_type) for e in chosen]

    def item_extra_kwargs(self, item: FeedEntry) -> dict[str, Any]:
        return {"content_html": item.content_html} if self.feed_type is _HubAtom else {}


class _SyndicationFormat(FeedFormat):
    generator: ClassVar[type[feedgenerator.SyndicationFeed]]

    def render(self, document: FeedDocument, request: HttpRequest) -> bytes:
        generator = _ScopeFeed(self.generator, document).get_feed(document, request)
        return generator.writeString("utf-8").encode("utf-8")


class RssFormat(_SyndicationFormat):
    name = "rss"
    filename = "rss.xml"
    content_type = "application/rss+xml; charset=utf-8"
    generator = _HubRss


class AtomFormat(_SyndicationFormat):
    name = "atom"
    filename = "atom.xml"
    content_type = "application/atom+xml; charset=utf-8"
    generator = _HubAtom


# --- JSON Feed 1.1 ------------------------------------------------------------------------


class JsonFeedFormat(FeedFormat):
    name = "json"
    filename = "feed.json"
    content_type = "application/feed+json; charset=utf-8"

    def render(self, document: FeedDocument, request: HttpRequest) -> bytes:
        scope = document.scope
        feed: dict[str, Any] = {
            "version": JSON_FEED_VERSION,
            "title": scope.title,
            "home_page_url": scope.home_url,
            "feed_url": document.self_url,
            "description": scope.description,
            "language": scope.language,
        }
        if document.hub_url:
            feed["hubs"] = [{"type": "WebSub", "url": document.hub_url}]
        feed["items"] = [self.item(entry) for entry in document.entries]
        return json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8")

    @staticmethod
    def item(entry: FeedEntry) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": entry.id,
            "url": entry.url,
            "title": entry.title,
            "content_html": entry.content_html,
            "date_published": feedgenerator.rfc3339_date(entry.published),
            "date_modified": feedgenerator.rfc3339_date(entry.updated),
            "language": entry.language,
        }
        if entry.summary:
            item["summary"] = entry.summary
        if entry.authors:
            item["authors"] = [
                {"name": author.name, **({"url": author.url} if author.url else {})} for author in entry.authors
            ]
        if entry.tags:
            item["tags"] = list(entry.tags)
        if entry.enclosures:
            item["attachments"] = [_attachment(enclosure) for enclosure in entry.enclosures]
        return item


def _attachment(enclosure: Enclosure) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "url": enclosure.url,
        "mime_type": enclosure.mime_type,
        "size_in_bytes": enclosure.length,
    }
    if enclosure.duration_s is not None:
        attachment["duration_in_seconds"] = round(enclosure.duration_s, 3)
    return attachment


FORMATS: dict[str, FeedFormat] = {fmt.filename: fmt for fmt in (RssFormat(), AtomFormat(), JsonFeedFormat())}
