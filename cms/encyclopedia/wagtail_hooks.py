from django.urls import path
from wagtail import hooks

from .chooser import search_entries_view


@hooks.register("register_admin_urls")
def encyclopedia_admin_urls():
    return [path("encyclopedia/entries/search/", search_entries_view, name="encyclopedia_entry_search")]
