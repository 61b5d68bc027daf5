"""Feed URLs under /feeds/: the default language (zh-hans) unprefixed, others under their code (/feeds/en/…).

Every feed exists as ``rss.xml``, ``atom.xml`` and ``feed.json``.
"""

import re

from django.conf import settings
from django.urls import path, register_converter

from . import views
from .formats import FORMATS


class FeedFormatConverter:
    regex = "|".join(re.escape(filename) for filename in FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class OtherLanguageConverter:
    """Language codes besides the default, which has no prefix (as on the site itself)."""

    regex = "|".join(re.escape(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE) or "(?!)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedFormatConverter, "feedformat")
register_converter(OtherLanguageConverter, "feedlang")

app_name = "feeds"

_FEEDS = [
    ("<feedformat:fmt>", views.site_feed, "site"),
    ("doctors/<slug:slug>/<feedformat:fmt>", views.doctor_feed, "doctor"),
    ("tags/<str:tag>/<feedformat:fmt>", views.tag_feed, "tag"),
    ("encyclopedia/<feedformat:fmt>", views.encyclopedia_feed, "encyclopedia"),
    ("encyclopedia/<str:chapter>/<feedformat:fmt>", views.chapter_feed, "chapter"),
]

urlpatterns = [path(route, view, name=name) for route, view, name in _FEEDS] + [
    path(f"<feedlang:lang>/{route}", view, name=f"{name}-lang") for route, view, name in _FEEDS
]
