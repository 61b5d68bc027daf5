"""Admin: invitation codes (doctors see their own; editors and distributors all), with the QR code,
the clinic poster (A4/A5, PDF and PNG, Chinese or English) and revoke; and the join code on the
doctor's public homepage."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from cms.core.admin_scoping import ScopedModelViewSet
from cms.core.documents import document_image
from cms.core.languages import CHINESE, LANGUAGE_LABELS, site_language
from distribution.patients.permissions import StudioStaffPermissionPolicy
from distribution.sharing.models import ReadStat, ShareLink
from media_pipeline.render.qr import make_qr

from .models import Invitation
from .posters import PAPER_MM, PosterDoctor, PosterError, PosterWording, poster_pdf, poster_png, render_poster

register_permission_policy(Invitation, StudioStaffPermissionPolicy(Invitation))


def invitation_links(invitation: Invitation) -> str:
    if not invitation.is_usable:
        return invitation.state_label()
    return format_html(
        '<a href="{}">{}</a> · <a href="{}">{}</a>',
        reverse("invitation_poster", args=[invitation.pk]),
        _("Poster (PDF, PNG)"),
        reverse("invitation_qr", args=[invitation.pk]),
        _("QR code (SVG)"),
    )


invitation_links.short_description = _("print")
Invitation.print_links = invitation_links


class InvitationViewSet(ScopedModelViewSet):
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


POSTER_TYPES = {"pdf": "application/pdf", "png": "image/png"}
POSTER_LANGUAGES = tuple(LANGUAGE_LABELS.items())  # each language named in itself, Chinese first


def _unusable(request, invitation: Invitation):
    """A revoked or expired code gets no poster or QR code: say why, back on the code's page."""
    if invitation.state == "revoked":
        messages.error(
            request,
            _("The code “%(name)s” is revoked, so it has no poster any more. Make a new code for the clinic.")
            % {"name": invitation.name},
        )
    else:
        messages.error(
            request,
            _("The code “%(name)s” has expired, so it has no poster. Give it a later expiry date or make a new code.")
            % {"name": invitation.name},
        )
    return redirect(reverse("invitations:edit", args=[invitation.pk]))


def _plan_frequency(plan) -> str:
    """“5 messages over the first 30 days”, counted from the plan's steps (daily repeats included)."""
    steps = list(plan.steps.all()) if plan is not None else []
    if not steps:
        return ""
    count = sum(1 + max(0, (step.repeat_until_day or step.day_offset) - step.day_offset) for step in steps)
    days = 1 + max(step.repeat_until_day or step.day_offset for step in steps)
    return ngettext(
        "%(count)d message over the first %(days)d days", "%(count)d messages over the first %(days)d days", count
    ) % {"count": count, "days": days}


def poster_content(invitation: Invitation, language: str) -> tuple[PosterDoctor, PosterWording]:
    """The poster's words in ``language``: the doctor as patients of that language see them, the code's promise."""
    profile = invitation.doctor.profile_for(language)
    with translation.override(language):
        name = profile["name"]
        receive = [
            invitation.promise_for(language)
            or gettext("Health articles written or checked by %(name)s, and reminders for your care after the visit.")
            % {"name": name}
        ]
        if invitation.plan is not None:
            receive.append(gettext("Follow-up plan: %(plan)s, from the day you join.") % {"plan": invitation.plan.name})
        frequency = invitation.frequency_for(language) or _plan_frequency(invitation.plan)
        receive.append(
            gettext("How often: %(frequency)s") % {"frequency": frequency}
            if frequency
            else gettext("How often: a few messages a month, never between 21:00 and 08:00.")
        )
        wording = PosterWording(
            headline=gettext("Scan to join"),
            subline=gettext(
                "Scan with WeChat or your phone's camera to get %(name)s's health articles and "
                "follow-up reminders, free."
            )
            % {"name": name},
            code_name=invitation.name,
            receive_heading=gettext("What you will receive"),
            receive_lines=tuple(receive),
            steps_heading=gettext("Join in three steps"),
            steps=(
                gettext("Scan the code above with WeChat or your phone's camera."),
                gettext(
                    "Enter how we should address you and your mobile number; read how your information is "
                    "used and tick to agree."
                ),
                gettext(
                    "Type in the code we text you and tap “Confirm and join”. The doctor's first article "
                    "arrives straight away."
                ),
            ),
            footer=gettext("Free, no app to install. You can stop the messages or delete your details at any time."),
        )
    doctor = PosterDoctor(
        name=name, title=profile["title"], department=profile["department"], hospital=profile["hospital"]
    )
    return doctor, wording


@contextmanager
def _local_photo(image):
    """The doctor's photo as a local file for the renderer; copied from remote storage (S3) when it has no path."""
    photo = document_image(image, "")
    if photo is None or photo.path is not None:
        yield photo
        return
    with tempfile.NamedTemporaryFile(suffix=Path(image.file.name).suffix) as copy:
        try:
            with image.file.open("rb") as source:
                shutil.copyfileobj(source, copy)
            copy.flush()
        except OSError:
            yield None  # unreachable storage: the poster gets the placeholder
            return
        yield replace(photo, path=Path(copy.name))


def poster_view(request, pk: int):
    """The code's poster page: the files to download, per language and paper size, and a preview."""
    invitation = _visible_invitation(request, pk)
    if not invitation.is_usable:
        return _unusable(request, invitation)
    base = reverse("invitation_poster_file", args=[invitation.pk, "a5", "png"])
    rows = [
        {
            "language": code,
            "label": label,
            "files": [
                {
                    "paper": paper.upper(),
                    "links": [
                        (
                            kind.upper(),
                            reverse("invitation_poster_file", args=[invitation.pk, paper, kind]) + f"?lang={code}",
                        )
                        for kind in POSTER_TYPES
                    ],
                }
                for paper in PAPER_MM
            ],
        }
        for code, label in POSTER_LANGUAGES
    ]
    return TemplateResponse(
        request,
        "joining/admin/poster.html",
        {
            "invitation": invitation,
            "rows": rows,
            "preview": f"{base}?lang={CHINESE}&view=inline",
            "page_title": _("Clinic poster"),
        },
    )


def poster_file_view(request, pk: int, paper: str, kind: str):
    """The poster as a file for the print shop: A4 or A5, PDF or PNG, at 300 dpi."""
    if paper not in PAPER_MM or kind not in POSTER_TYPES:
        raise Http404
    invitation = _visible_invitation(request, pk)
    if not invitation.is_usable:
        return _unusable(request, invitation)
    language = site_language(request.GET.get("lang"))
    doctor, wording = poster_content(invitation, language)
    try:
        with _local_photo(invitation.doctor.photo) as photo:
            poster = render_poster(
                paper=paper,
                join_url=invitation.join_url,
                doctor=doctor,
                wording=wording,
                photo=photo,
                language=language,
            )
    except PosterError:
        messages.error(
            request,
            _(
                "This poster cannot be made: the join link is too long for a QR code that scans "
                "from a metre away. Ask the studio's administrator to shorten the site address."
            ),
        )
        return redirect(reverse("invitation_poster", args=[invitation.pk]))
    if kind == "pdf":
        body = poster_pdf(poster, title=f"{wording.headline} · {doctor.name} · {invitation.name}")
    else:
        body = poster_png(poster)
    response = HttpResponse(body, content_type=POSTER_TYPES[kind])
    disposition = "inline" if request.GET.get("view") == "inline" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="join-poster-{invitation.pk}-{paper}-{language}.{kind}"'
    response["Cache-Control"] = "private, no-store"
    return response


def qr_view(request, pk: int):
    invitation = _visible_invitation(request, pk)
    if not invitation.is_usable:
        return _unusable(request, invitation)
    response = HttpResponse(make_qr(invitation.join_url).svg_inline(scale=10, border=4), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="join-{invitation.pk}.svg"'
    return response


@require_POST
def revoke_view(request, pk: int):
    invitation = _visible_invitation(request, pk)
    if not StudioStaffPermissionPolicy(Invitation).user_has_permission_for_instance(request.user, "change", invitation):
        raise PermissionDenied
    invitation.revoke()
    messages.success(
        request, _("The code “%(name)s” is revoked; scanning it now shows a notice.") % {"name": invitation.name}
    )
    return redirect(reverse("invitations:edit", args=[invitation.pk]))


@hooks.register("register_admin_urls")
def invitation_admin_urls():
    return [
        path("invitations/<int:pk>/poster/", poster_view, name="invitation_poster"),
        path("invitations/<int:pk>/poster/<str:paper>.<str:kind>", poster_file_view, name="invitation_poster_file"),
        path("invitations/<int:pk>/qr.svg", qr_view, name="invitation_qr"),
        path("invitations/<int:pk>/revoke/", revoke_view, name="invitation_revoke"),
    ]


@hooks.register("doctor_homepage_panels")
def doctor_homepage_join_panel(request, doctor):
    """The doctor's current general join code on their public homepage (cms does not know this app)."""
    invitation = Invitation.objects.filter(
        doctor=doctor, revoked_at__isnull=True, group__isnull=True, plan__isnull=True
    ).order_by("-created_at")
    invitation = next((item for item in invitation if item.is_usable), None)
    if invitation is None:
        return ""
    return render_to_string(
        "joining/homepage_panel.html",
        {"invitation": invitation, "doctor": doctor, "qr": qr_svg(invitation.join_url, scale=5)},
        request=request,
    )


@hooks.register("doctor_article_stats")
def doctor_article_stats(articles):
    """Reads (views of every share link of the article) and share links made, per article."""
    ids = [article.pk for article in articles]
    reads = dict(
        ReadStat.objects.filter(article_id__in=ids)
        .values_list("article_id")
        .annotate(n=Sum("views"))
        .values_list("article_id", "n")
    )
    shares = dict(
        ShareLink.objects.filter(article_id__in=ids)
        .values_list("article_id")
        .annotate(n=Count("pk"))
        .values_list("article_id", "n")
    )
    return {pk: {"reads": int(reads.get(pk) or 0), "shares": int(shares.get(pk) or 0)} for pk in ids}
