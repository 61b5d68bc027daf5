from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem

from cms.core.page_buttons import register_page_header_button
from cms.encyclopedia.models import EncyclopediaEntry

from . import views
from .drafting import article_index_for


@hooks.register("register_admin_urls")
def article_admin_urls():
    return [
        path("articles/start-from-entry/", views.choose_entry, name="articles_choose_entry"),
        path("articles/start-from-entry/<int:entry_id>/", views.start_from_entry, name="articles_start_from_entry"),
    ]


class StartFromEncyclopediaMenuItem(MenuItem):
    def is_shown(self, request):
        return any(
            article_index_for(code).permissions_for_user(request.user).can_add_subpage() for code in ("zh-hans", "en")
        )


@hooks.register("register_admin_menu_item")
def start_from_encyclopedia_menu_item():
    return StartFromEncyclopediaMenuItem(
        _("Start from the encyclopedia"),
        reverse("articles_choose_entry"),
        icon_name="doc-full-inverse",
        order=150,
    )


class StartArticleFromEntryButton(PageMenuItem):
    label = _("Write an article from this entry")
    icon_name = "doc-full-inverse"

    @property
    def url(self):
        return reverse("articles_start_from_entry", args=[self.page.pk])


def can_write_from(page, user) -> bool:
    """Whether ``user`` may add an article in the entry's language."""
    return article_index_for(page.locale.language_code).permissions_for_user(user).can_add_subpage()


register_page_header_button(
    EncyclopediaEntry,
    StartArticleFromEntryButton.label,
    url_name="articles_start_from_entry",
    icon_name=StartArticleFromEntryButton.icon_name,
    priority=12,
    shown=can_write_from,
)


@hooks.register("register_page_listing_more_buttons")
def start_article_listing_button(page, user, next_url=None):
    if page.specific_class is EncyclopediaEntry and can_write_from(page, user):
        yield StartArticleFromEntryButton(page=page, priority=3)
