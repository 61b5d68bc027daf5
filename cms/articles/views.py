from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Locale

from cms.core.publication import approved_pages
from cms.encyclopedia.models import EncyclopediaEntry

from .drafting import article_index_for, start_article_from_entry
from .models import Article


@require_http_methods(["GET", "POST"])
def start_from_entry(request, entry_id: int):
    """Confirm, then create a draft article from an encyclopedia entry and open it in the editor."""
    entry = get_object_or_404(EncyclopediaEntry, pk=entry_id)
    index = article_index_for(entry.locale.language_code)
    if not index.permissions_for_user(request.user).can_add_subpage():
        raise PermissionDenied
    existing = list(
        Article.objects.filter(source_entry=entry, owner=request.user).order_by("-latest_revision_created_at")
    )
    if request.method == "POST":
        if existing and request.POST.get("another") != "yes":
            # The confirmation page said so; a stale or scripted form must not silently make a second draft.
            messages.warning(request, _("You have already started an article from this entry."))
            return redirect(reverse("articles_start_from_entry", args=[entry.pk]))
        article = start_article_from_entry(entry, request.user)
        messages.success(
            request,
            _("Draft '%(title)s' created from the encyclopedia. Adapt it for your patients.")
            % {"title": article.title},
        )
        return redirect(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    return TemplateResponse(
        request,
        "articles/admin/start_from_entry.html",
        {
            "entry": entry,
            "index": index,
            "existing": [(article, reverse("wagtailadmin_pages:edit", args=[article.pk])) for article in existing],
        },
    )


def choose_entry(request):
    """Find an encyclopedia entry to start an article from (doctors cannot browse entries in the page explorer)."""
    from django.core.paginator import Paginator

    languages = [
        code
        for code in ("zh-hans", "en")
        if article_index_for(code).permissions_for_user(request.user).can_add_subpage()
    ]
    if not languages:
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    language = request.GET.get("language", "")
    locales = Locale.objects.filter(language_code__in=[language] if language in languages else languages)
    entries = approved_pages(EncyclopediaEntry.objects).filter(locale__in=list(locales))
    entries = entries.search(query) if query else entries.order_by("title")
    page = Paginator(entries, 25).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "articles/admin/choose_entry.html",
        {
            "query": query,
            "language": language,
            "languages": languages,
            "entries": page,
        },
    )
