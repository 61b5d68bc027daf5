"""Feed views: resolve the scope, render the format, answer conditional GETs with 304.

The ETag is a hash of the rendered body, so it changes with anything a reader
would see (an unpublished article, a newly rendered MP3, the hub setting).
Last-Modified is the newest of the items' update times and the latest
unpublication or deletion of that kind of page: a feed can shrink without any
item getting newer, and a client asking only If-Modified-Since must not be
told "not modified" then.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from taggit.models import Tag
from wagtail.models import PageLogEntry

from cms.articles.models import Article
from cms.doctors.models import DoctorProfile
from cms.encyclopedia.models import EncyclopediaEntry, ICD10Chapter

from .entries import FeedEntry, public_url
from .formats import FORMATS, FeedDocument
from .scopes import ArticleScope, DoctorArticles, EncyclopediaEntries, FeedScope, SiteArticles, TagArticles, scope_path
from .websub import hub_url

DEFAULT_MAX_AGE_S = 300
REMOVAL_ACTIONS = ("wagtail.unpublish", "wagtail.delete")
NEVER_CHANGED = datetime(2025, 1, 1, tzinfo=UTC)  # an empty feed with no history: any fixed date


def _language(lang: str) -> str:
    if lang not in {code for code, _name in settings.LANGUAGES}:
        raise Http404("No feed in this language.")
    return lang


@require_safe
def site_feed(request: HttpRequest, fmt: str, lang: str = settings.LANGUAGE_CODE) -> HttpResponse:
    return _respond(request, SiteArticles(_language(lang)), fmt)


@require_safe
def doctor_feed(request: HttpRequest, slug: str, fmt: str, lang: str = settings.LANGUAGE_CODE) -> HttpResponse:
    doctor = get_object_or_404(DoctorProfile, slug=slug)
    return _respond(request, DoctorArticles(_language(lang), doctor=doctor), fmt)


@require_safe
def tag_feed(request: HttpRequest, tag: str, fmt: str, lang: str = settings.LANGUAGE_CODE) -> HttpResponse:
    found = Tag.objects.filter(slug=tag).first() or get_object_or_404(Tag, name=tag)
    return _respond(request, TagArticles(_language(lang), tag=found), fmt)


@require_safe
def encyclopedia_feed(request: HttpRequest, fmt: str, lang: str = settings.LANGUAGE_CODE) -> HttpResponse:
    return _respond(request, EncyclopediaEntries(_language(lang)), fmt)


@require_safe
def chapter_feed(request: HttpRequest, chapter: str, fmt: str, lang: str = settings.LANGUAGE_CODE) -> HttpResponse:
    found = get_object_or_404(ICD10Chapter, level=1, code_from=chapter.upper())
    return _respond(request, EncyclopediaEntries(_language(lang), chapter=found), fmt)


def _respond(request: HttpRequest, scope: FeedScope, fmt: str) -> HttpResponse:
    feed_format = FORMATS[fmt]  # the URL converter admits only known formats
    entries = scope.entries()
    last_modified = _last_modified(scope, entries)
    document = FeedDocument(
        scope=scope,
        entries=entries,
        self_url=public_url(scope_path(scope, fmt)),
        updated=last_modified,
        hub_url=hub_url(),
    )
    body = feed_format.render(document, request)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    conditional = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
    response = conditional or HttpResponse(body, content_type=feed_format.content_type)
    response.headers["ETag"] = etag
    response.headers["Content-Language"] = scope.language
    response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    if document.hub_url:  # WebSub discovery also works through HTTP Link headers
        response.headers["Link"] = f'<{document.hub_url}>; rel="hub", <{document.self_url}>; rel="self"'
    patch_cache_control(response, public=True, max_age=int(getattr(settings, "KEPU_FEED_MAX_AGE_S", DEFAULT_MAX_AGE_S)))
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _last_modified(scope: FeedScope, entries: list[FeedEntry]) -> datetime:
    model = Article if isinstance(scope, ArticleScope) else EncyclopediaEntry
    removed = PageLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action__in=REMOVAL_ACTIONS,
    ).aggregate(latest=Max("timestamp"))["latest"]
    candidates = [entry.updated for entry in entries if entry.updated] + ([removed] if removed else [])
    return max(candidates, default=NEVER_CHANGED)
