"""Admin pages for shared links and read figures.

* one article's links: copy the URL, download the QR code (PNG / SVG) next to
  the share poster the media pipeline made, revoke at once, make a new link
  with a label, an audience and an expiry;
* the read figures as CSV (per article, per link, per day).

People see the links and figures of the articles they may edit: a doctor
their own articles, an editor all of them (Wagtail's page permissions).
"""

from __future__ import annotations

import csv
import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.articles.models import Article
from distribution.patients.models import is_distributor
from media_pipeline.models import OutputRole
from media_pipeline.outputs import published_media

from .analytics import COUNTER_FIELDS, daily_totals
from .charts import reads_chart_svg
from .models import AUDIENCE_KEY_PATTERN, ActiveLinkExistsError, ReadStat, ShareLink, create_share_link

CHART_DAYS = 30
CSV_MAX_DAYS = 366
#: spreadsheet programs run cells starting with these as formulas
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def editable_articles(user) -> QuerySet:
    """The articles whose links and reads ``user`` manages (those they may edit; every article for
    Distributors, who share but never edit), as a queryset usable in sub-queries."""
    if is_distributor(user):
        return Article.objects.all()
    pages = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["change", "publish"])
    return Article.objects.filter(pk__in=pages.type(Article).values("pk"))


def _article_for(request: HttpRequest, article_id: int) -> Article:
    article = get_object_or_404(Article, pk=article_id)
    if not (article.permissions_for_user(request.user).can_edit() or is_distributor(request.user)):
        raise PermissionDenied
    return article


class NewLinkForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("For you only, e.g. 'waiting-room poster, spring 2026'."),
    )
    audience_key = forms.CharField(
        label=gettext_lazy("Audience"),
        max_length=80,
        required=False,
        help_text=gettext_lazy(
            "Empty for the public link; 'campaign:12' or 'group:3' to count a group's reads apart. "
            "Never a patient's name or number."
        ),
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the active link for this audience (revokes it)"), required=False
    )

    def clean_audience_key(self) -> str:
        value = self.cleaned_data["audience_key"].strip()
        if value and not AUDIENCE_KEY_PATTERN.fullmatch(value):
            raise forms.ValidationError(_("Use a kind and a number, like 'campaign:12' or 'group:3'."))
        return value

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return value


def article_links(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_for(request, article_id)
    form = NewLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = create_share_link(
                article,
                form.cleaned_data["audience_key"],
                label=form.cleaned_data["label"],
                expires_at=form.cleaned_data["expires_at"],
                created_by=request.user,
                replace=form.cleaned_data["replace"],
            )
        except ActiveLinkExistsError:
            form.add_error(
                "audience_key",
                _(
                    "This audience already has an active link. Tick 'replace' to revoke it "
                    "and make a new one, or use the existing link."
                ),
            )
        else:
            messages.success(request, _("New link made: %(url)s") % {"url": link.public_url})
            return HttpResponseRedirect(reverse("sharing_article_links", args=[article.pk]))
    links = list(
        ShareLink.objects.filter(article=article)
        .order_by("revoked_at", "audience_key", "-created_at")
        .annotate(**{f"total_{name}": Sum(f"read_stats__{name}") for name in ("views", "reads_to_end")})
    )
    images = [item for item in published_media(article) if item.role in (OutputRole.POSTER_IMAGE, OutputRole.COVER)]
    series = daily_totals(ReadStat.objects.filter(article=article), CHART_DAYS)
    return render(
        request,
        "sharing/admin/article_links.html",
        {
            "page_title": _("Shared links"),
            "header_title": _("Shared links: %(title)s") % {"title": article.title},
            "header_icon": "link",
            "article": article,
            "links": links,
            "form": form,
            "share_images": images,
            "chart": reads_chart_svg(
                series,
                title=_("Reads per day, last %(days)s days") % {"days": CHART_DAYS},
                description=_("%(views)s views, %(ends)s read to the end")
                % {"views": sum(d.views for d in series), "ends": sum(d.reads_to_end for d in series)},
            ),
        },
    )


@require_POST
def revoke_link(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(ShareLink, pk=link_id)
    _article_for(request, link.article_id)
    if link.revoked_at is None:
        link.revoke()
        messages.success(request, _("Link revoked: patients opening it now see that it no longer works."))
    return HttpResponseRedirect(reverse("sharing_article_links", args=[link.article_id]))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str | int:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def reads_csv(request: HttpRequest) -> HttpResponse:
    """Daily counts per article and link for the articles the user may edit; ``?days=`` (1–366, default 90),
    ``?article=<id>`` for one article."""
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 0
    if not 1 <= days <= CSV_MAX_DAYS:
        return HttpResponse(
            f"days must be a whole number from 1 to {CSV_MAX_DAYS}", status=400, content_type="text/plain"
        )
    stats = ReadStat.objects.filter(
        article__in=editable_articles(request.user).values("pk"),
        day__gte=timezone.localdate() - datetime.timedelta(days=days - 1),
    )
    if request.GET.get("article"):
        try:
            stats = stats.filter(article_id=int(request.GET["article"]))
        except ValueError:
            return HttpResponse("article must be an id", status=400, content_type="text/plain")
    rows = stats.select_related("article", "article__locale", "link").order_by("day", "article_id", "link_id")
    header = ["day", "article_id", "article_title", "language", "link_id", "link_label", "audience", *COUNTER_FIELDS]

    def lines():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel opens the Chinese titles as UTF-8
        for stat in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _cell(value)
                    for value in (
                        stat.day.isoformat(),
                        stat.article_id,
                        stat.article.title,
                        stat.article.locale.language_code,
                        stat.link_id,
                        stat.link.label,
                        stat.audience_key,
                        *(getattr(stat, name) for name in COUNTER_FIELDS),
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kepu-reads-{timezone.localdate().isoformat()}.csv"'
    return response
