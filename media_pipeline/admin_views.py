"""Admin pages for media renders: the jobs list (progress, failure reason, retry/cancel) and one article's media.

People see and act on the renders of articles they may edit (doctors: their
own; editors: all). Starting a render is harmless (only the approved
revision is ever rendered), so the same rule covers the "render now" button.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.articles.models import Article
from media_pipeline import jobs
from media_pipeline.models import ACTIVE_STATUSES, MediaRender, RenderKind, RenderStatus
from media_pipeline.outputs import published_media

PAGE_SIZE = 50


def _editable_article_ids(user):
    """Ids of the articles ``user`` may edit (a queryset, used as a sub-query)."""
    pages = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["change", "publish"])
    return pages.type(Article).values("pk")


def _article_for(request: HttpRequest, article_id: int) -> Article:
    article = get_object_or_404(Article, pk=article_id)
    if not article.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return article


def _render_for(request: HttpRequest, render_id: int) -> MediaRender:
    media_render = get_object_or_404(MediaRender.objects.select_related("article"), pk=render_id)
    _article_for(request, media_render.article_id)
    return media_render


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


def jobs_index(request: HttpRequest) -> HttpResponse:
    renders = MediaRender.objects.filter(article_id__in=_editable_article_ids(request.user)).select_related(
        "article", "requested_by"
    )
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    if status in RenderStatus.values:
        renders = renders.filter(status=status)
    if kind in RenderKind.values:
        renders = renders.filter(kind=kind)
    page = Paginator(renders, PAGE_SIZE).get_page(request.GET.get("p"))
    return render(
        request,
        "media_pipeline/admin/jobs.html",
        {
            "page_title": _("Media jobs"),
            "header_title": _("Media jobs"),
            "header_icon": "media",
            "renders": page,
            "status": status,
            "kind": kind,
            "statuses": RenderStatus.choices,
            "kinds": RenderKind.choices,
            "any_active": any(r.status in ACTIVE_STATUSES for r in page),
        },
    )


def article_media(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_for(request, article_id)
    if request.method == "POST":
        kinds = [kind for kind in request.POST.getlist("kinds") if kind in RenderKind.values] or list(jobs.ALL_KINDS)
        try:
            requests = jobs.request_renders(
                article, kinds, force=bool(request.POST.get("force")), requested_by=request.user, trigger="admin"
            )
        except jobs.NotPublishedError:
            messages.error(request, _("This article is not published yet: only the approved revision is rendered."))
        else:
            jobs.dispatch_renders([r.render for r in requests if r.created])
            created = sum(r.created for r in requests)
            reused = len(requests) - created
            messages.success(
                request,
                _("%(created)d render(s) started, %(reused)d reused (already done or running).")
                % {"created": created, "reused": reused},
            )
        return HttpResponseRedirect(reverse("media_pipeline_article", args=[article.pk]))
    renders = article.media_renders.select_related("requested_by")[:40]
    return render(
        request,
        "media_pipeline/admin/article_media.html",
        {
            "page_title": _("Media of “%(title)s”") % {"title": article.title},
            "header_title": _("Article media"),
            "header_icon": "media",
            "article": article,
            "renders": renders,
            "media": published_media(article),
            "kinds": RenderKind.choices,
            "any_active": any(r.status in ACTIVE_STATUSES for r in renders),
        },
    )


@require_POST
def retry(request: HttpRequest, render_id: int) -> HttpResponse:
    media_render = _render_for(request, render_id)
    try:
        media_render = jobs.retry_render(media_render, requested_by=request.user)
    except jobs.RenderConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Render #%(id)d queued again (attempt %(n)d so far); now %(status)s.")
            % {"id": media_render.pk, "n": media_render.attempts, "status": media_render.get_status_display()},
        )
    return _back(request, reverse("media_pipeline_jobs"))


@require_POST
def cancel(request: HttpRequest, render_id: int) -> HttpResponse:
    media_render = jobs.cancel_render(_render_for(request, render_id))
    if media_render.status == RenderStatus.CANCELLED:
        messages.success(request, _("Render #%(id)d cancelled.") % {"id": media_render.pk})
    elif media_render.cancel_requested:
        messages.info(request, _("Render #%(id)d will stop after its current stage.") % {"id": media_render.pk})
    else:
        messages.warning(request, _("Render #%(id)d had already finished.") % {"id": media_render.pk})
    return _back(request, reverse("media_pipeline_jobs"))
