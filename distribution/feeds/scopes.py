"""What a feed covers: the whole site, one doctor, one tag, or the encyclopedia (or one ICD-10 chapter of it).

A scope knows its title, its HTML home page, its path under ``/feeds/`` and
which live pages it lists. Formats (RSS, Atom, JSON Feed) render any scope the
same way, and WebSub pings name the scopes a page change touches.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from cms.articles.models import Article, ArticleIndexPage
from cms.core.languages import language_family
from cms.core.publication import approved_pages, public_pages
from cms.doctors.models import DoctorProfile
from cms.encyclopedia.models import EncyclopediaEntry, EncyclopediaIndexPage, ICD10Chapter

from .entries import FeedEntry, article_entry, encyclopedia_entry, page_public_url, public_url

DEFAULT_ITEM_LIMIT = 50
SITE_NAME = {"zh-hans": "科普工作室", "en": "Kepu Studio"}


def item_limit() -> int:
    return int(getattr(settings, "KEPU_FEED_ITEM_LIMIT", DEFAULT_ITEM_LIMIT))


def _pick(language: str, zh: str, en: str) -> str:
    return zh if language_family(language) == "zh" else en


def _index_url(model: type, language: str, query: dict[str, str] | None = None) -> str:
    index = approved_pages(model.objects).filter(locale__language_code=language).first()
    url = (index and page_public_url(index)) or public_url("/")
    return f"{url}?{urlencode(query)}" if query else url


@dataclass(frozen=True)
class FeedScope(ABC):
    language: str

    url_name = ""  # the feeds URL pattern serving this scope

    @property
    @abstractmethod
    def title(self) -> str: ...

    @property
    @abstractmethod
    def description(self) -> str: ...

    @property
    @abstractmethod
    def home_url(self) -> str:
        """The HTML page listing the same content."""

    @abstractmethod
    def url_kwargs(self) -> dict[str, str]:
        """Arguments of ``url_name`` besides the language and format."""

    @abstractmethod
    def pages(self) -> QuerySet:
        """The live, public pages of this scope, newest first, at most ``item_limit()``."""

    @abstractmethod
    def entry(self, page: Any) -> FeedEntry | None: ...

    def entries(self) -> list[FeedEntry]:
        return [entry for entry in map(self.entry, self.pages()) if entry is not None]

    @property
    def site_name(self) -> str:
        return SITE_NAME.get(self.language, SITE_NAME["en"])


class ArticleScope(FeedScope):
    def articles(self) -> QuerySet:
        return public_pages(Article.objects).filter(locale__language_code=self.language)

    def pages(self) -> QuerySet:
        return (
            self.articles()
            .select_related("doctor", "locale")
            .prefetch_related("tags")
            .order_by("-first_published_at", "-pk")[: item_limit()]
        )

    def entry(self, page: Any) -> FeedEntry | None:
        return article_entry(page)


@dataclass(frozen=True)
class SiteArticles(ArticleScope):
    url_name = "site"

    @property
    def title(self) -> str:
        return f"{self.site_name} · {_pick(self.language, '科普文章', 'Articles')}"

    @property
    def description(self) -> str:
        return _pick(
            self.language,
            "医生撰写、经审核发布的患者科普文章。",
            "Patient education articles written by doctors and medically reviewed.",
        )

    @property
    def home_url(self) -> str:
        return _index_url(ArticleIndexPage, self.language)

    def url_kwargs(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True)
class DoctorArticles(ArticleScope):
    doctor: DoctorProfile | None = None

    url_name = "doctor"

    @property
    def title(self) -> str:
        return f"{self.site_name} · " + _pick(
            self.language, f"{self.doctor.name}的科普文章", f"Articles by {self.doctor.name}"
        )

    @property
    def description(self) -> str:
        return self.doctor.byline

    @property
    def home_url(self) -> str:
        return public_url(self.doctor.get_absolute_url())

    def url_kwargs(self) -> dict[str, str]:
        return {"slug": self.doctor.slug}

    def articles(self) -> QuerySet:
        return super().articles().filter(doctor=self.doctor)


@dataclass(frozen=True)
class TagArticles(ArticleScope):
    tag: Any = None  # taggit Tag

    url_name = "tag"

    @property
    def title(self) -> str:
        return f"{self.site_name} · " + _pick(self.language, f"标签「{self.tag.name}」", f"Tagged “{self.tag.name}”")

    @property
    def description(self) -> str:
        return _pick(self.language, f"标签为「{self.tag.name}」的科普文章。", f"Articles tagged “{self.tag.name}”.")

    @property
    def home_url(self) -> str:
        return _index_url(ArticleIndexPage, self.language, {"tag": self.tag.name})

    def url_kwargs(self) -> dict[str, str]:
        return {"tag": self.tag.slug}

    def articles(self) -> QuerySet:
        return super().articles().filter(tags__slug=self.tag.slug).distinct()


@dataclass(frozen=True)
class EncyclopediaEntries(FeedScope):
    """The whole encyclopedia, or one ICD-10 chapter of it when ``chapter`` is set."""

    chapter: ICD10Chapter | None = None

    @property
    def url_name(self) -> str:  # type: ignore[override]
        return "chapter" if self.chapter else "encyclopedia"

    @property
    def title(self) -> str:
        name = _pick(self.language, "疾病百科", "Disease encyclopedia")
        if self.chapter:
            name += f" · {self.chapter}"
        return f"{self.site_name} · {name}"

    @property
    def description(self) -> str:
        return _pick(self.language, "新增和更新的疾病百科条目。", "New and updated disease encyclopedia entries.")

    @property
    def home_url(self) -> str:
        query = {"chapter": self.chapter.code_from} if self.chapter else None
        return _index_url(EncyclopediaIndexPage, self.language, query)

    def url_kwargs(self) -> dict[str, str]:
        return {"chapter": self.chapter.code_from} if self.chapter else {}

    def pages(self) -> QuerySet:
        entries = public_pages(EncyclopediaEntry.objects).filter(locale__language_code=self.language)
        if self.chapter:
            entries = entries.filter(chapter=self.chapter)
        return entries.select_related("locale").order_by("-last_published_at", "-pk")[: item_limit()]

    def entry(self, page: Any) -> FeedEntry | None:
        return encyclopedia_entry(page)


def scope_path(scope: FeedScope, format_filename: str) -> str:
    """The feed's path on our site, e.g. ``/feeds/en/doctors/dr-brown/atom.xml``."""
    kwargs = {**scope.url_kwargs(), "fmt": format_filename}
    if scope.language == settings.LANGUAGE_CODE:
        return reverse(f"feeds:{scope.url_name}", kwargs=kwargs)
    return reverse(f"feeds:{scope.url_name}-lang", kwargs={**kwargs, "lang": scope.language})


def scopes_for_article(article: Article) -> list[FeedScope]:
    """Every feed an article appears in (or disappears from)."""
    language = article.locale.language_code
    scopes: list[FeedScope] = [SiteArticles(language)]
    if article.doctor_id:
        scopes.append(DoctorArticles(language, doctor=article.doctor))
    scopes.extend(TagArticles(language, tag=tag) for tag in article.tags.all())
    return scopes


def scopes_for_encyclopedia_entry(entry: EncyclopediaEntry) -> list[FeedScope]:
    language = entry.locale.language_code
    scopes: list[FeedScope] = [EncyclopediaEntries(language)]
    if entry.chapter_id:
        scopes.append(EncyclopediaEntries(language, chapter=entry.chapter))
    return scopes
