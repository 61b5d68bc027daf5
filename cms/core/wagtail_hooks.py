"""Admin-wide additions every app's screens share, and the two-step verification pages."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .two_factor import disable_view, setup_view


@hooks.register("insert_global_admin_css")
def kepu_admin_css():
    """Yes/no flags, report figures and wide tables that scroll (static/css/kepu-admin.css)."""
    return format_html('<link rel="stylesheet" href="{}">', static("css/kepu-admin.css"))


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("account/two-factor/", setup_view, name="kepu_two_factor_setup"),
        path("account/two-factor/disable/", disable_view, name="kepu_two_factor_disable"),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("kepu_two_factor_setup"),
        "label": _("Two-step verification"),
        "help_text": _("Ask for a code from your phone at each login, on top of the password."),
    }
