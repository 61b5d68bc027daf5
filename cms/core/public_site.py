"""What every public page needs to know: the language its text is in, and the site's root pages.

The template tags of :mod:`cms.core.templatetags.kepu_tags` and other apps' tags read these.
``base.html`` activates the *content* language around the whole page: the page's
locale when there is a page, otherwise an explicit ``?lang=`` (search and doctor
pages live outside ``i18n_patterns``), otherwise the language Django activated
for the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from wagtail.models import Page

from cms.articles.models import ArticleIndexPage
from cms.core.languages import CHINESE, site_language
from cms.core.models import HomePage
from cms.encyclopedia.models import EncyclopediaIndexPage


def content_language(context: template.Context) -> str:
    """The language the visible text of this response should be in."""
    page = context.get("page")
    locale = getattr(page, "locale", None)
    if locale is not None:
        return site_language(locale.language_code)
    request = context.get("request")
    if request is not None:
        chosen = site_language(request.GET.get("lang"), None)
        if chosen:
            return chosen
    return (
        site_language(context.get("language"), None)
        or site_language(translation.get_language(), None)
        or site_language(settings.LANGUAGE_CODE, None)
        or CHINESE
    )


@dataclass(frozen=True)
class SitePages:
    """The live home page of each language and the live index pages below them."""

    homes: dict[str, Page]
    encyclopedias: dict[str, Page]  # by language: the home's first encyclopedia index
    article_indexes: dict[str, Page]


def site_pages(request=None) -> SitePages:
    """Every page the header, footer and language links point to, from one query, once per request.

    ``base.html`` asks for the homes (language links) and for the index pages (navigation) on
    every public page; separately that was four queries and their ORM work per response.
    """
    cached = getattr(request, "_kepu_site_pages", None)
    if cached is not None:
        return cached
    models = {
        ContentType.objects.get_for_model(model).pk: model
        for model in (HomePage, EncyclopediaIndexPage, ArticleIndexPage)
    }
    pages = list(Page.objects.live().filter(content_type_id__in=models).select_related("locale").order_by("path"))
    homes = {page.path: page for page in pages if models[page.content_type_id] is HomePage}
    below: dict[type, dict[str, Page]] = {EncyclopediaIndexPage: {}, ArticleIndexPage: {}}
    for page in pages:
        home = homes.get(page.path[: -Page.steplen])
        if home is not None and models[page.content_type_id] in below:
            below[models[page.content_type_id]].setdefault(home.path, page)  # the first child, as child_of().first()
    by_language = {site_language(home.locale.language_code, None): home for home in homes.values()}
    found = SitePages(
        by_language,
        {
            language: below[EncyclopediaIndexPage][home.path]
            for language, home in by_language.items()
            if home.path in below[EncyclopediaIndexPage]
        },
        {
            language: below[ArticleIndexPage][home.path]
            for language, home in by_language.items()
            if home.path in below[ArticleIndexPage]
        },
    )
    if request is not None:
        request._kepu_site_pages = found
    return found
