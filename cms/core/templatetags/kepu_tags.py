"""Template tags of the public site: which language a page speaks, and links between languages.

Visible strings are ``{% translate %}`` strings. The rules the tags apply (the
content language, the site's root pages) live in :mod:`cms.core.public_site`;
Python code imports them from there, never from this tag library.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from wagtail.models import Page

from cms.core.languages import CHINESE, ENGLISH, HTML_LANG, LANGUAGE_LABELS, site_language
from cms.core.public_site import content_language, site_pages

register = template.Library()

ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# WHO ICD-10 chapter titles, keyed by the chapter's first code; the database only
# holds the Chinese names (ICD-10 CN), and English pages should not show Chinese.
ICD10_CHAPTER_NAMES_EN = {
    "A00": "Certain infectious and parasitic diseases",
    "C00": "Neoplasms",
    "D50": "Diseases of the blood and immune mechanism",
    "E00": "Endocrine, nutritional and metabolic diseases",
    "F00": "Mental and behavioural disorders",
    "G00": "Diseases of the nervous system",
    "H00": "Diseases of the eye and adnexa",
    "H60": "Diseases of the ear and mastoid process",
    "I00": "Diseases of the circulatory system",
    "J00": "Diseases of the respiratory system",
    "K00": "Diseases of the digestive system",
    "L00": "Diseases of the skin and subcutaneous tissue",
    "M00": "Diseases of the musculoskeletal system and connective tissue",
    "N00": "Diseases of the genitourinary system",
    "O00": "Pregnancy, childbirth and the puerperium",
    "P00": "Certain conditions originating in the perinatal period",
    "Q00": "Congenital malformations and chromosomal abnormalities",
    "R00": "Symptoms, signs and abnormal findings not elsewhere classified",
    "S00": "Injury, poisoning and other consequences of external causes",
    "V01": "External causes of morbidity and mortality",
    "Z00": "Factors influencing health status and contact with health services",
    "U00": "Codes for special purposes",
}


@register.simple_tag(takes_context=True)
def page_language(context: template.Context) -> str:
    return content_language(context)


@register.simple_tag(takes_context=True)
def html_lang(context: template.Context) -> str:
    """BCP 47 tag for ``<html lang>``: 'zh-Hans' (script subtag, as screen readers expect) or 'en'."""
    return HTML_LANG[content_language(context)]


@register.filter
def lang_attr(language_code: str) -> str:
    """``lang`` attribute value for a Wagtail locale code, e.g. on a search result in another language."""
    return HTML_LANG.get(site_language(language_code), language_code)


@register.filter
def language_label(language_code: str) -> str:
    return LANGUAGE_LABELS.get(site_language(language_code, ""), language_code)


@register.simple_tag(takes_context=True)
def local_date(context: template.Context, value: datetime.date | None) -> str:
    """'2025年3月1日' or '1 March 2025', independent of installed message catalogues."""
    if not value:
        return ""
    if content_language(context) == ENGLISH:
        return f"{value.day} {ENGLISH_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


@register.simple_tag(takes_context=True)
def chapter_name(context: template.Context, chapter) -> str:
    if content_language(context) == ENGLISH:
        return ICD10_CHAPTER_NAMES_EN.get(chapter.code_from, chapter.name_zh)
    return chapter.name_zh


@register.simple_tag(takes_context=True)
def with_language(context: template.Context, url: str) -> str:
    """A link to a view outside ``i18n_patterns`` (search, doctor pages) that keeps the reader's language."""
    if content_language(context) == ENGLISH:
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}lang={ENGLISH}"
    return url


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and filters)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return f"?{params.urlencode()}"


@register.filter
def page_kind(page: Page) -> str:
    """'entry', 'article' or 'page' for a (possibly non-specific) Wagtail page."""
    model = page.specific_class or type(page)
    return {"encyclopediaentry": "entry", "article": "article"}.get(model._meta.model_name, "page")


@dataclass(frozen=True)
class LanguageLink:
    language: str
    label: str
    url: str
    absolute_url: str  # for <link rel="alternate" hreflang>, which search engines want absolute
    html_lang: str
    is_translation: bool  # False: no such version of this page, the link goes to that language's home


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    """Links to this content in the other site languages.

    A Wagtail page links to its live translation, or to that language's home page when it has
    none; Django's 404 page (which has ``request_path`` in its context) links to the homes too;
    the search and doctor views, outside the page tree, link to themselves with ``?lang=``, and so
    does a shared link's reading page (``reading`` in the context) for a translation.
    """
    current = content_language(context)
    request = context.get("request")
    page = context.get("page")
    is_wagtail_page = isinstance(page, Page) and page.pk is not None
    translations = {}
    if is_wagtail_page:
        translations = {
            site_language(other.locale.language_code, None): other
            for other in page.get_translations().live().select_related("locale")
        }
    links_to_homes = is_wagtail_page or "request_path" in context
    homes = site_pages(request).homes if links_to_homes and len(translations) < len(HTML_LANG) - 1 else {}
    links = []
    for language in (CHINESE, ENGLISH):
        if language == current:
            continue
        target = translations.get(language) or homes.get(language)
        if target is not None:
            url = target.get_url(request=request)
            is_translation = language in translations
        elif request is not None and not links_to_homes:
            params = request.GET.copy()
            params["lang"] = language
            url = f"{request.path}?{params.urlencode()}"
            is_translation = True
        else:
            continue
        if url:
            absolute_url = request.build_absolute_uri(url) if request is not None else url
            if is_translation and request is not None and context.get("reading"):
                # A shared link (/s/<token>/) offers the translation on the same link (?lang=), so the reader
                # stays on what was shared (its read counts, its expiry); rel=alternate keeps the public page.
                url = f"{request.path}?lang={language}"
            links.append(
                LanguageLink(
                    language, LANGUAGE_LABELS[language], url, absolute_url, HTML_LANG[language], is_translation
                )
            )
    return links


@dataclass(frozen=True)
class SiteNavigation:
    home_url: str
    encyclopedia_url: str
    articles_url: str


@register.simple_tag(takes_context=True)
def site_navigation(context: template.Context) -> SiteNavigation:
    """URLs of the home, encyclopedia and article index pages in the reader's language."""
    request = context.get("request")
    language = content_language(context)
    pages = site_pages(request)
    home = pages.homes.get(language)
    if home is None:
        return SiteNavigation("/", "", "")
    encyclopedia = pages.encyclopedias.get(language)
    articles = pages.article_indexes.get(language)
    return SiteNavigation(
        home.get_url(request=request) or "/",
        encyclopedia.get_url(request=request) if encyclopedia else "",
        articles.get_url(request=request) if articles else "",
    )
