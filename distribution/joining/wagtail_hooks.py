"""Admin: invitation codes (doctors see their own; editors and distributors all), with the QR code,
a printable A4/A5 poster and revoke; and the join code on the doctor's public homepage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from distribution.patients.admin_views import ScopedViewSetMixin, StudioStaffPermissionPolicy
from media_pipeline.qr import make_qr

from .membership import welcome_article_for
from .models import Invitation

register_permission_policy(Invitation, StudioStaffPermissionPolicy(Invitation))


def invitation_links(invitation: Invitation) -> str:
    return format_html(
        '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
        reverse("invitation_poster", args=[invitation.pk]), _("Poster A4"),
        reverse("invitation_poster", args=[invitation.pk]) + "?size=a5", _("A5"),
        reverse("invitation_qr", args=[invitation.pk]), _("QR code (SVG)"),
    )


invitation_links.short_description = _("print")
Invitation.print_links = invitation_links


class InvitationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Invitation
    icon = "link"
    menu_label = _("Invitation codes")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["name", "doctor", "state_label", "scans", "joins", "expires_at", "print_links"]
    list_filter = ["doctor"]
    search_fields = ["name"]
    inspect_view_enabled = False


@hooks.register("register_admin_viewset")
def register_invitation_viewset():
    return InvitationViewSet("invitations")


def _visible_invitation(request, pk: int) -> Invitation:
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user).select_related("doctor", "plan"), pk=pk)
    return invitation


def qr_svg(url: str, *, scale: int = 8) -> str:
    return make_qr(url).svg_inline(scale=scale, border=4, omitsize=True)


def poster_view(request, pk: int):
    invitation = _visible_invitation(request, pk)
    size = "a5" if request.GET.get("size") == "a5" else "a4"
    language = request.GET.get("lang", "zh-hans")
    return TemplateResponse(request, "joining/poster.html", {
        "invitation": invitation, "doctor": invitation.doctor, "size": size, "qr": qr_svg(invitation.join_url),
        "promise": invitation.promise_for(language), "frequency": invitation.frequency_for(language),
        "plan": invitation.plan, "welcome_article": welcome_article_for(invitation, language),
    })


def qr_view(request, pk: int):
    invitation = _visible_invitation(request, pk)
    response = HttpResponse(make_qr(invitation.join_url).svg_inline(scale=10, border=4), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="join-{invitation.pk}.svg"'
    return response


@require_POST
def revoke_view(request, pk: int):
    invitation = _visible_invitation(request, pk)
    if not StudioStaffPermissionPolicy(Invitation).user_has_permission_for_instance(request.user, "change", invitation):
        raise PermissionDenied
    invitation.revoke()
    messages.success(request, _("The code “%(name)s” is revoked; scanning it now shows a notice.") % {"name": invitation.name})
    return redirect(reverse("invitations:edit", args=[invitation.pk]))


@hooks.register("register_admin_urls")
def invitation_admin_urls():
    return [
        path("invitations/<int:pk>/poster/", poster_view, name="invitation_poster"),
        path("invitations/<int:pk>/qr.svg", qr_view, name="invitation_qr"),
        path("invitations/<int:pk>/revoke/", revoke_view, name="invitation_revoke"),
    ]


@hooks.register("doctor_homepage_panels")
def doctor_homepage_join_panel(request, doctor):
    """The doctor's current general join code on their public homepage (cms does not know this app)."""
    invitation = (Invitation.objects.filter(doctor=doctor, revoked_at__isnull=True, group__isnull=True,
                                            plan__isnull=True).order_by("-created_at"))
    invitation = next((item for item in invitation if item.is_usable), None)
    if invitation is None:
        return ""
    return render_to_string("joining/homepage_panel.html", {
        "invitation": invitation, "doctor": doctor, "qr": qr_svg(invitation.join_url, scale=5)}, request=request)


@hooks.register("doctor_article_stats")
def doctor_article_stats(articles):
    """Reads (views of every share link of the article) and share links made, per article."""
    from django.db.models import Count, Sum

    from distribution.sharing.models import ReadStat, ShareLink

    ids = [article.pk for article in articles]
    reads = dict(ReadStat.objects.filter(article_id__in=ids).values_list("article_id").annotate(n=Sum("views"))
                 .values_list("article_id", "n"))
    shares = dict(ShareLink.objects.filter(article_id__in=ids).values_list("article_id").annotate(n=Count("pk"))
                  .values_list("article_id", "n"))
    return {pk: {"reads": int(reads.get(pk) or 0), "shares": int(shares.get(pk) or 0)} for pk in ids}
