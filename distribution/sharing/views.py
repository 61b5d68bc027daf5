"""The public side of a shared link: the reading page, its QR code and the read-analytics beacon.

None of these views needs a login, a cookie or a session, and none puts
anything about the reader in a URL. They never answer with an error page
from Django: an unknown token gets a friendly 404, a revoked or expired link
a friendly 410 Gone in the article's language with a way to reach the doctor,
and a bad beacon an empty 4xx.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import asdict

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from cms.articles.models import Article
from cms.core.languages import CHINESE, HTML_LANG, site_language
from cms.core.publication import approved_pages, approved_revision
from distribution.channels import ChannelError, RetryableChannelError
from distribution.channels.wechat_jsapi import jsapi_config
from media_pipeline.render.qr import MIN_QUIET_ZONE, make_qr

from . import analytics, page_cache, wechat_share
from .models import LinkState, ShareLink, is_token_shaped

logger = logging.getLogger(__name__)

QR_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
QR_DEFAULT_SCALE = 10
QR_SCALES = range(2, 41)


def _requested_language(request: HttpRequest) -> str:
    """'' (the link's own article), or 'zh-hans' / 'en' when the reader asked for a translation."""
    return site_language(request.GET.get("lang"), "")


def _is_print_view(request: HttpRequest) -> bool:
    return request.GET.get("print") == "1"


def _page_response(page: page_cache.StoredPage, request: HttpRequest | None = None) -> HttpResponse:
    """Also the hot path of a cached page: headers are set directly (no parsing of existing ones)."""
    etag = page.etag
    if request is not None and page.status == 200 and etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(page.content, status=page.status, content_type=page.content_type)
    response["ETag"] = etag
    if page.language:  # /s/ is outside i18n_patterns: without this, every page would claim the default language
        response["Content-Language"] = page.language
    response["Cache-Control"] = (
        f"public, max-age=0, must-revalidate, s-maxage={page_cache.shared_max_age_for(page.expires_at)}"
    )
    # Share pages duplicate public articles and may be made for one campaign: keep them out of search engines.
    response["X-Robots-Tag"] = "noindex"
    # The token is the only key to the page: never hand it to another site in a Referer header.
    response["Referrer-Policy"] = "same-origin"
    return response


def _browser_language(request: HttpRequest) -> str:
    """The reader's language from Accept-Language: LocaleMiddleware gives the default language to
    every path outside ``i18n_patterns``, and /s/ is outside them."""
    return site_language(translation.get_language_from_request(request))


def _unavailable(
    request: HttpRequest,
    status: int,
    reason: str,
    *,
    language: str = "",
    link: ShareLink | None = None,
) -> HttpResponse:
    doctor = link.article.doctor if link is not None else None
    html = render_to_string(
        "sharing/unavailable.html",
        {
            "reason": reason,
            "language": language or _browser_language(request) or CHINESE,
            "doctor": doctor,
            "status": status,
        },
        request=request,
    )
    shown = language or _browser_language(request) or CHINESE
    return _page_response(
        page_cache.StoredPage(
            status, html.encode(), "text/html; charset=utf-8", None, language=HTML_LANG.get(shown, shown)
        )
    )


def _article_to_show(article: Article, language: str) -> Article:
    """The link's article, or its live translation when the reader asked for another language and one exists."""
    if not language or site_language(article.locale.language_code, None) == language:
        return article
    for translated in approved_pages(article.get_translations()).select_related("locale").specific():
        if site_language(translated.locale.language_code, None) == language:
            return translated
    return article


def _render_reading_page(
    request: HttpRequest, link: ShareLink, language: str, print_view: bool
) -> page_cache.StoredPage:
    article = link.article.specific
    if approved_revision(article) is None:
        # Never published, or withdrawn: nothing approved to show (and a draft is never shown).
        raise _NotPublished(article)
    shown = _article_to_show(article, language)
    # The page row of a live page holds its live revision's content (drafts only live in revisions),
    # which is what Wagtail itself serves; the publication rule above decides whether there is one at all.
    context = shown.get_context(request)
    context["reading"] = {
        "link": link,
        "share_url": link.public_url,
        "print_view": print_view,
        "language": language,
        "wechat_share_card": wechat_share.share_card_channel() is not None,
    }
    html = render_to_string(shown.get_template(request), context, request=request)
    shown_language = site_language(shown.locale.language_code)
    return page_cache.StoredPage(
        200, html.encode(), "text/html; charset=utf-8", link.expires_at, language=HTML_LANG[shown_language]
    )


class _NotPublished(Exception):
    def __init__(self, article: Article):
        self.article = article


def read(request: HttpRequest, token: str) -> HttpResponse:
    """The reading page behind a shared link: the article's approved revision, no login, served from the cache."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if not is_token_shaped(token):
        return _unavailable(request, 404, "unknown")
    language, print_view = _requested_language(request), _is_print_view(request)
    stored, generation = page_cache.load(token, language, print_view)
    if stored is not None:
        return _page_response(stored, request)

    link = ShareLink.objects.select_related("article", "article__locale", "article__doctor").filter(token=token).first()
    if link is None:
        return _unavailable(request, 404, "unknown")
    link_language = site_language(link.article.locale.language_code)
    state = link.state
    if state != LinkState.ACTIVE:
        return _unavailable(request, 410, state, language=link_language, link=link)
    try:
        stored = _render_reading_page(request, link, language, print_view)
    except _NotPublished:
        return _unavailable(request, 404, "unpublished", language=link_language, link=link)
    page_cache.store(token, language, print_view, stored, generation)
    return _page_response(stored, request)


def qr_code(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The link's QR code as PNG or SVG (quiet zone of four modules, error correction M or better).

    ``?scale=`` sets pixels (PNG) or user units (SVG) per module; ``?download=1`` saves it as a file.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if fmt not in QR_FORMATS or not is_token_shaped(token):
        return HttpResponse(status=404)
    link = ShareLink.objects.select_related("article").filter(token=token).first()
    if link is None:
        return HttpResponse(status=404)
    if not link.is_usable:
        return HttpResponse(status=410)
    try:
        scale = int(request.GET.get("scale", QR_DEFAULT_SCALE))
    except ValueError:
        return HttpResponse("scale must be a whole number", status=400, content_type="text/plain")
    if scale not in QR_SCALES:
        return HttpResponse(
            f"scale must be {QR_SCALES.start}–{QR_SCALES.stop - 1}", status=400, content_type="text/plain"
        )
    buffer = io.BytesIO()
    options = {"xmldecl": False, "svgclass": None, "lineclass": None} if fmt == "svg" else {}
    make_qr(link.public_url).save(buffer, kind=fmt, scale=scale, border=MIN_QUIET_ZONE, **options)
    response = HttpResponse(buffer.getvalue(), content_type=QR_FORMATS[fmt])
    patch_cache_control(response, public=True, max_age=page_cache.shared_max_age_for(link.expires_at))
    if request.GET.get("download") == "1":
        name = f"{link.article.slug}-{link.audience_key.replace(':', '-') or 'public'}-qr.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _empty(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # no cookie, no session, nothing done on anyone's behalf: there is nothing to forge a request for
def record_event(request: HttpRequest, token: str) -> HttpResponse:
    """The beacon endpoint: one event per POST, answered with an empty body (204 when accepted)."""
    if request.method != "POST":
        response = _empty(405)
        response["Allow"] = "POST"
        return response
    if not is_token_shaped(token):
        return _empty(404)
    if not analytics.from_this_site(request):
        return _empty(403)
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _empty(400)
    if declared > analytics.MAX_BODY_BYTES:
        return _empty(413)
    body = request.read(analytics.MAX_BODY_BYTES + 1)
    try:
        reported = analytics.parse_event(body)
    except analytics.BadEvent:
        return _empty(413 if len(body) > analytics.MAX_BODY_BYTES else 400)
    link = (
        ShareLink.objects.filter(token=token)
        .only("pk", "token", "article_id", "audience_key", "revoked_at", "expires_at")
        .first()
    )
    if link is None:
        return _empty(404)
    if not link.is_usable:
        return _empty(410)
    outcome = analytics.record(request, link, reported)
    return _empty(429 if outcome is analytics.Outcome.RATE_LIMITED else 204)


def _json_error(status: int, error: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error}, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # no cookie, no session: nothing is done on anyone's behalf (and the Origin is checked below)
def wechat_share_config(request: HttpRequest, token: str) -> HttpResponse:
    """POST ``url=<the reading page's URL without #fragment>``: ``appId``, ``timestamp``, ``nonceStr`` and
    ``signature`` for the JS-SDK's ``wx.config`` on that page; 404 when no WeChat service account is set up."""
    if request.method != "POST":
        return _json_error(405, "use POST", Allow="POST")
    if not is_token_shaped(token):
        return _json_error(404, "unknown link")
    if not analytics.from_this_site(request):
        return _json_error(403, "only the studio's own pages are signed")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _json_error(400, "bad Content-Length")
    if declared > 2 * wechat_share.MAX_URL_LENGTH:
        return _json_error(413, "body too large")
    channel = wechat_share.share_card_channel()
    if channel is None:
        return _json_error(404, "no WeChat service account is set up")
    link = ShareLink.objects.filter(token=token).only("pk", "token", "revoked_at", "expires_at").first()
    if link is None:
        return _json_error(404, "unknown link")
    if not link.is_usable:
        return _json_error(410, "this link is no longer in use")
    try:
        url = wechat_share.checked_page_url(request.POST.get("url", ""), link)
    except wechat_share.NotASharePage as exc:
        return _json_error(400, str(exc))
    try:
        ticket = channel.jsapi_ticket()
    except RetryableChannelError as exc:
        return _json_error(
            503, "WeChat is not answering now", **{"Retry-After": str(max(1, math.ceil(exc.retry_after or 5)))}
        )
    except ChannelError as exc:
        logger.warning("wechat share card: no jsapi ticket (%s)", exc)
        return _json_error(503, "the WeChat account cannot sign pages now")
    response = JsonResponse(asdict(jsapi_config(channel.config.app_id, ticket, url)))
    response["Cache-Control"] = "no-store"
    return response
