"""Buttons in a page's admin header that lead to another app's screen for that page.

Media, narration and shared links each hang a screen off an article's header;
:func:`register_page_header_button` is the one way they do it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.models import Page


def can_edit(page: Page, user: Any) -> bool:
    return page.permissions_for_user(user).can_edit()


def register_page_header_button(
    page_type: type[Page],
    label: str,
    *,
    url_name: str,
    icon_name: str,
    priority: int,
    shown: Callable[[Page, Any], bool] = can_edit,
) -> None:
    """Show a button linking to ``url_name`` (which takes the page's id) in the header of ``page_type`` pages.

    By default only to users who may edit the page; ``shown(page, user)`` decides otherwise.
    """

    def header_button(page: Page, user: Any, view_name: str, next_url: str | None = None) -> Iterator[PageMenuItem]:
        if page.specific_class is page_type and shown(page, user):
            yield PageMenuItem(label, reverse(url_name, args=[page.pk]), icon_name, priority, page=page)

    hooks.register("register_page_header_buttons", header_button)
