from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import ShareLink


def read(request, token: str):
    """The reading page behind a shared link: the article's published revision, no login."""
    link = get_object_or_404(ShareLink.objects.select_related("article"), token=token)
    article = link.article.specific
    if not link.is_usable or not article.live:
        raise Http404("This link is no longer available.")
    return article.serve(request)
