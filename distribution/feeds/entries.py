"""Live pages as feed entries: the one neutral shape every feed format and partner push is built from.

Everything here is public already (a reader can see it on the site). Links
always point at the page's public URL, never at a share link: share links carry
a token made for one campaign or patient group, and a token that leaks into a
public feed would make that group's reads uncountable and its link unrevocable
in practice. ``scrub_share_links`` removes any that an author pasted into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from wagtail.rich_text import expand_db_html

from .enclosures import Enclosure, enclosures_for

# Tag URIs (RFC 4151) stay the same when a slug or the domain's scheme changes.
TAG_URI_DATE = "2025"
IMAGE_RENDITION = "max-1200x1200"

_LABELS = {
    "references": {"zh-hans": "参考文献", "en": "References"},
    "source": {"zh-hans": "来源", "en": "Source"},
}


@dataclass(frozen=True)
class FeedAuthor:
    name: str
    url: str = ""


@dataclass(frozen=True)
class FeedEntry:
    id: str  # stable tag: URI
    url: str  # the page's public URL
    title: str
    summary: str  # plain text
    content_html: str  # self-contained HTML with absolute links
    published: datetime
    updated: datetime
    language: str
    authors: tuple[FeedAuthor, ...] = ()
    tags: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    rights: str = ""


def public_base_url() -> str:
    return settings.KEPU_PUBLIC_BASE_URL.rstrip("/")


def public_url(path: str) -> str:
    """An absolute URL on the public site for a path ("/en/articles/x/")."""
    return public_base_url() + path


def page_public_url(page: Any) -> str | None:
    """The page's public URL, or None when the page is not routable (outside every site)."""
    parts = page.get_url_parts()
    if parts is None:
        return None
    return public_url(parts[2])


def entry_id(kind: str, pk: int) -> str:
    host = urlsplit(public_base_url()).hostname or "localhost"
    return f"tag:{host},{TAG_URI_DATE}:{kind}:{pk}"


def _share_link_pattern() -> re.Pattern[str]:
    prefix = reverse("sharing:read", kwargs={"token": "TOKEN"}).split("TOKEN")[0]
    return re.compile(rf"(?:https?://[^\s\"'<>]*?)?{re.escape(prefix)}[A-Za-z0-9_\-]{{16,}}/?")


def scrub_share_links(text: str, replacement: str) -> str:
    """Replace every share-link URL in ``text`` by ``replacement`` (the page's public URL)."""
    return _share_link_pattern().sub(replacement, text) if text else text


def _absolutise(html: str) -> str:
    """Site-relative href/src attributes to absolute URLs, so readers outside the site can follow them."""
    return re.sub(r'((?:href|src)=")(/[^/"][^"]*|/)"', lambda m: f'{m.group(1)}{public_base_url()}{m.group(2)}"', html)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def _link_or_text(text: str) -> str:
    """A reference line ("Citation https://…") with its URL made a link."""
    match = re.search(r"https?://\S+", text)
    if not match:
        return escape(text)
    url = match.group(0)
    return f'{escape(text[: match.start()]).rstrip()} <a href="{escape(url)}">{escape(url)}</a>'.strip()


def article_content_html(article: Any, url: str) -> str:
    """The article body as plain, safe HTML built from its document (no site templates, no scripts)."""
    language = article.locale.language_code
    images = {block.id: block.value["image"] for block in article.body if block.block_type == "image"}
    html: list[str] = []
    for block in article.as_document().blocks:
        if block.kind == "heading":
            html.append(f"<h2>{escape(block.text)}</h2>")
        elif block.kind == "paragraph":
            html.append(_paragraphs(block.text))
        elif block.kind in ("key_points", "list"):
            if block.text:
                html.append(f"<h3>{escape(block.text)}</h3>")
            html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>")
        elif block.kind == "warning":
            html.append(f"<blockquote>{_paragraphs(block.text)}</blockquote>")
        elif block.kind == "qa":
            html.append(f"<h3>{escape(block.text)}</h3>{_paragraphs(block.answer)}")
        elif block.kind == "references":
            label = _LABELS["references"].get(language, _LABELS["references"]["en"])
            items = "".join(f"<li>{_link_or_text(item)}</li>" for item in block.items)
            html.append(f"<h2>{label}</h2><ol>{items}</ol>")
        elif block.kind == "image" and block.image:
            html.append(_figure(images.get(block.block_id), block.image.alt_text, block.image.caption))
    return scrub_share_links("".join(html), url)


def _figure(image: Any, alt_text: str, caption: str) -> str:
    if image is None:
        return ""
    rendition = image.get_rendition(IMAGE_RENDITION)
    src = rendition.url if rendition.url.startswith(("http://", "https://")) else public_url(rendition.url)
    figcaption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure><img src="{escape(src)}" alt="{escape(alt_text)}" width="{rendition.width}" '
        f'height="{rendition.height}">{figcaption}</figure>'
    )


def article_entry(article: Any) -> FeedEntry | None:
    """A live article as a feed entry (None when it has no public URL)."""
    url = page_public_url(article)
    if url is None:
        return None
    doctor = article.doctor
    authors = ()
    if doctor is not None:
        authors = (FeedAuthor(doctor.byline or doctor.name, public_url(doctor.get_absolute_url())),)
    return FeedEntry(
        id=entry_id("article", article.pk),
        url=url,
        title=scrub_share_links(article.title, url),
        summary=scrub_share_links(article.summary, url),
        content_html=article_content_html(article, url),
        published=article.first_published_at,
        updated=article.last_published_at or article.first_published_at,
        language=article.locale.language_code,
        authors=authors,
        tags=tuple(sorted(tag.name for tag in article.tags.all())),
        enclosures=tuple(enclosures_for(article)),
    )


def encyclopedia_content_html(entry: Any, url: str) -> str:
    """The entry's sections with their headings, then its source and licence (required by CC BY sources)."""
    language = entry.locale.language_code
    html = [
        f"<h2>{escape(heading)}</h2>{_absolutise(expand_db_html(body))}"
        for _kind, heading, body in entry.section_items()
    ]
    if entry.source_name or entry.licence:
        label = _LABELS["source"].get(language, _LABELS["source"]["en"])
        source = escape(entry.source_name)
        if entry.source_url:
            source = f'<a href="{escape(entry.source_url)}">{source or escape(entry.source_url)}</a>'
        licence = f" {escape(entry.licence)}" if entry.licence else ""
        html.append(f"<p><small>{label}: {source}.{licence}</small></p>")
    return scrub_share_links("".join(html), url)


def encyclopedia_entry(entry: Any) -> FeedEntry | None:
    url = page_public_url(entry)
    if url is None:
        return None
    authors = (FeedAuthor(entry.source_name, entry.source_url),) if entry.source_name else ()
    return FeedEntry(
        id=entry_id("encyclopedia", entry.pk),
        url=url,
        title=entry.title,
        summary=scrub_share_links(entry.summary, url),
        content_html=encyclopedia_content_html(entry, url),
        published=entry.first_published_at,
        updated=entry.last_published_at or entry.first_published_at,
        language=entry.locale.language_code,
        authors=authors,
        tags=tuple(entry.code_list),
        rights=entry.licence,
    )
