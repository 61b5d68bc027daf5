"""Template tags for pages that list articles without being article pages (the home page)."""

from __future__ import annotations

from django import template
from wagtail.models import Locale

from cms.articles.models import Article
from cms.core.publication import public_pages

register = template.Library()


@register.simple_tag
def latest_articles(locale: Locale, count: int = 8):
    """The newest live, public articles in ``locale``'s language."""
    return public_pages(Article.objects).filter(locale=locale).order_by("-first_published_at")[:count]
