"""Choosing encyclopedia entries in the article editor: search as you type instead of a 7,000-option list.

The widget renders only the entries already chosen; everything else comes from :func:`find_entries`
through a small JSON view as the doctor types, in Chinese, English or an ICD-10 code.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from cms.core.languages import language_family
from cms.core.publication import approved_pages

from .models import EncyclopediaEntry

MAX_RESULTS = 20
MAX_QUERY_LENGTH = 100
_ICD_CODE = re.compile(r"^[A-Za-z]\d{1,2}(\.\d*)?$")


def find_entries(query: str, *, limit: int = MAX_RESULTS) -> list[EncyclopediaEntry]:
    """Published entries matching ``query``: exact titles first, then codes, title ends and starts, title parts,
    synonyms,
    then the search index (which knows word forms and segmented Chinese), without duplicates.

    Substring matching comes first because a doctor types the start of a word ("高血", "diab") before
    the whole of it, and the search index matches whole words only.
    """
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return []
    live = approved_pages(EncyclopediaEntry.objects).select_related("locale")
    if _ICD_CODE.match(query):
        by_code = Q(icd10_codes__istartswith=query) | Q(icd10_codes__icontains=", " + query)
    else:
        by_code = Q(pk__in=[])
    direct = list(
        live.filter(by_code | Q(title__icontains=query) | Q(synonyms__icontains=query))
        .annotate(
            rank=Case(
                When(title__iexact=query, then=Value(0)),
                When(by_code, then=Value(1)),
                # A Chinese name ends with its head word: 特发性(原发性)高血压 is a kind of 高血压.
                When(title__iendswith=query, then=Value(2)),
                When(title__istartswith=query, then=Value(3)),
                When(title__icontains=query, then=Value(4)),
                default=Value(5),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", Length("title"), "title")[:limit]
    )
    if len(direct) < limit:
        seen = {entry.pk for entry in direct}
        for entry in live.search(query)[: limit * 2]:
            if entry.pk not in seen:
                direct.append(entry)
                seen.add(entry.pk)
            if len(direct) >= limit:
                break
    return direct


def entry_choice(entry: EncyclopediaEntry) -> dict:
    return {
        "id": entry.pk,
        "title": entry.title,
        "codes": entry.icd10_codes,
        "language": "中文" if language_family(entry.locale.language_code) == "zh" else "English",
        "summary": " · ".join(filter(None, [entry.source_name, entry.summary[:90]])),
    }


def search_entries_view(request):
    """JSON for the chooser: ``{"results": [...]}`` for ``?q=``; admin login is required by the admin URLs."""
    results = [entry_choice(entry) for entry in find_entries(request.GET.get("q", ""))]
    return JsonResponse({"results": results})


class EntryChooserWidget(forms.SelectMultiple):
    """A multiple choice of entries that renders the chosen ones and a search box, never the whole list."""

    template_name = "encyclopedia/widgets/entry_chooser.html"

    class Media:
        js = ["encyclopedia/entry-chooser.js"]
        css = {"all": ["encyclopedia/entry-chooser.css"]}

    def optgroups(self, name, value, attrs=None):
        return []  # the options are fetched as the doctor types

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = [int(pk) for pk in (context["widget"]["value"] or []) if str(pk).isdigit()]
        chosen = EncyclopediaEntry.objects.filter(pk__in=ids).select_related("locale").order_by("title")
        context["widget"].update(
            chosen=[entry_choice(entry) for entry in chosen],
            search_url=reverse("encyclopedia_entry_search"),
            placeholder=_("Type a disease, a symptom or an ICD-10 code: 高血压, gout, E11"),
        )
        return context
