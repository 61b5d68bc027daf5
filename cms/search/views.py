from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from wagtail.models import Page

from cms.articles.models import Article
from cms.core.publication import public_pages
from cms.encyclopedia.models import EncyclopediaEntry

RESULTS_PER_PAGE = 20


def search(request):
    """Site search over live encyclopedia entries and articles, Chinese or English."""
    query = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("type", "")
    results = Page.objects.none()
    if query:
        if kind == "entries":
            queryset = public_pages(EncyclopediaEntry.objects)
        elif kind == "articles":
            queryset = public_pages(Article.objects)
        else:
            queryset = public_pages(Page.objects).type(EncyclopediaEntry, Article)
        # Each result is shown as its specific page with its locale: loaded with the page of
        # results (one query per page type), not one by one while the template renders; the
        # StreamFields (an entry's sections, an article's body: most of a row) are not read.
        results = (
            queryset.specific()
            .defer_streamfields()
            .select_related("locale", for_specific_subqueries=True)
            .search(query)
        )
    paginator = Paginator(results, RESULTS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    return render(request, "search/search.html", {"query": query, "type": kind, "results": page})
