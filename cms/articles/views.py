from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms.encyclopedia.models import EncyclopediaEntry

from .drafting import article_index_for, start_article_from_entry


@require_http_methods(["GET", "POST"])
def start_from_entry(request, entry_id: int):
    """Confirm, then create a draft article from an encyclopedia entry and open it in the editor."""
    entry = get_object_or_404(EncyclopediaEntry, pk=entry_id)
    index = article_index_for(entry.locale.language_code)
    if not index.permissions_for_user(request.user).can_add_subpage():
        raise PermissionDenied
    if request.method == "POST":
        article = start_article_from_entry(entry, request.user)
        messages.success(request, _("Draft '%(title)s' created from the encyclopedia. Adapt it for your patients.")
                         % {"title": article.title})
        return redirect(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    return TemplateResponse(request, "articles/admin/start_from_entry.html", {"entry": entry, "index": index})
