"""Admin wiring: shared-link pages and URLs, a "Shared links" button on articles, the reads panel on the dashboard."""

from __future__ import annotations

import datetime

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.components import Component

from cms.articles.models import Article
from cms.core.page_buttons import register_page_header_button

from . import admin_views
from .analytics import COUNTER_FIELDS, article_totals, daily_totals
from .charts import reads_chart_svg
from .models import ReadStat

DASHBOARD_DAYS = 30


@hooks.register("register_admin_urls")
def sharing_admin_urls():
    return [
        path("shared-links/article/<int:article_id>/", admin_views.article_links, name="sharing_article_links"),
        path("shared-links/<int:link_id>/revoke/", admin_views.revoke_link, name="sharing_revoke_link"),
        path("shared-links/reads.csv", admin_views.reads_csv, name="sharing_reads_csv"),
    ]


register_page_header_button(
    Article, gettext_lazy("Shared links & QR codes"), url_name="sharing_article_links", icon_name="link", priority=25
)


class ReadsPanel(Component):
    """Reads of the articles the user may edit (a doctor: their own; an editor: all), last 30 days."""

    name = "shared_link_reads"
    template_name = "sharing/admin/reads_panel.html"
    order = 120

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        stats = ReadStat.objects.filter(article__in=admin_views.editable_articles(self.user).values("pk"))
        series = daily_totals(stats, DASHBOARD_DAYS)
        totals = {name: sum(getattr(day, name) for day in series) for name in COUNTER_FIELDS}
        since = timezone.localdate() - datetime.timedelta(days=DASHBOARD_DAYS - 1)
        return {
            "heading": _("Reads through shared links"),
            "days": DASHBOARD_DAYS,
            "totals": totals,
            "articles": article_totals(stats, since),
            "chart": reads_chart_svg(
                series,
                title=_("Reads per day, last %(days)s days") % {"days": DASHBOARD_DAYS},
                description=_("%(views)s views, %(ends)s read to the end")
                % {"views": totals["views"], "ends": totals["reads_to_end"]},
                chart_id="dashboard-reads",
            ),
        }


@hooks.register("construct_homepage_panels")
def add_reads_panel(request, panels):
    if admin_views.editable_articles(request.user).exists():
        panels.append(ReadsPanel(request.user))
