"""The site's root pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class HomePage(Page):
    """The studio's public front page, one per language."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["encyclopedia.EncyclopediaIndexPage", "articles.ArticleIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from cms.articles.models import Article

        context = super().get_context(request, *args, **kwargs)
        context["latest_articles"] = (
            Article.objects.live().public().filter(locale=self.locale).order_by("-first_published_at")[:8]
        )
        return context
