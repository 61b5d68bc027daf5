"""Starting an article from an encyclopedia entry.

Doctors rarely write from a blank page: they take the entry, keep the
structure, and rewrite it in their own voice for their own patients. The new
draft keeps a link to the entry it came from and cites it as a reference.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify
from wagtail.rich_text import RichText

from cms.core.studio_setup import ensure_site_tree
from cms.encyclopedia.models import EncyclopediaEntry

from .models import Article, ArticleIndexPage


def article_index_for(language: str) -> ArticleIndexPage:
    """The article index of a language. Admin menus and every row of a page listing ask, so this is
    one query; the site tree is set up (``ensure_site_tree``, a dozen queries) only when it is missing."""
    index = ArticleIndexPage.objects.filter(locale__language_code=language).order_by("path").first()
    return index if index is not None else ensure_site_tree()[language]["articles"].specific


def _unique_child_slug(parent, base: str) -> str:
    base = (slugify(base)[:60] or "article").strip("-") or "article"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def start_article_from_entry(entry: EncyclopediaEntry, user) -> Article:
    """Create a draft article owned by ``user``, pre-filled with the entry's sections."""
    index = article_index_for(entry.locale.language_code)
    if not index.permissions_for_user(user).can_add_subpage():
        raise PermissionDenied("You may not write articles in this language.")
    body = []
    for _kind, heading, html in entry.section_items():
        body.append(("heading", heading))
        body.append(("paragraph", RichText(html)))
    citation = " · ".join(filter(None, [entry.title, entry.source_name, entry.licence]))
    references = [{"citation": citation, "url": entry.source_url or entry.full_url or ""}]
    # The guidelines the entry follows are the doctor's references too.
    references += [{"citation": ref.value["citation"], "url": ref.value["url"]} for ref in entry.references]
    body.append(("references", {"references": references}))
    article = Article(
        title=entry.title,
        slug=_unique_child_slug(index, f"{entry.title}-{entry.pk}" if not slugify(entry.title) else entry.title),
        summary=entry.summary,
        body=body,
        source_entry=entry,
        owner=user,
        live=False,
        locale=entry.locale,
    )
    article.related_entries = [entry]  # committed with the page by add_child
    index.add_child(instance=article)
    article.save_revision(user=user, log_action=True)
    return article
