"""Admin-wide additions every app's screens share."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_css")
def kepu_admin_css():
    """Yes/no flags, report figures and wide tables that scroll (static/css/kepu-admin.css)."""
    return format_html('<link rel="stylesheet" href="{}">', static("css/kepu-admin.css"))
