"""Admin screens: campaigns (with a report page: start, statistics, retry failed), follow-up plans,
enrolments and the delivery ledger (addresses masked)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cms.core.listing import YesNoColumn
from distribution.patients.admin_views import (
    ScopedViewSetMixin,
    SharedTemplatePermissionPolicy,
    StudioStaffPermissionPolicy,
)
from distribution.patients.models import can_see_all_patients, doctor_profile_of

from .delivery_ledger import retry_deliveries
from .fanout import CampaignError, campaign_statistics
from .models import Campaign, Delivery, DeliveryState, FollowUpEnrolment, FollowUpPlan


def campaign_report_link(campaign: Campaign) -> str:
    return format_html('<a href="{}">{}</a>', reverse("campaign_report", args=[campaign.pk]), _("Report"))


campaign_report_link.short_description = _("report")
Campaign.report_link = campaign_report_link



# Doctors and editors by group membership, rows scoped per doctor (see admin_views).
register_permission_policy(Campaign, StudioStaffPermissionPolicy(Campaign))
register_permission_policy(FollowUpPlan, SharedTemplatePermissionPolicy(FollowUpPlan))
register_permission_policy(FollowUpEnrolment, StudioStaffPermissionPolicy(FollowUpEnrolment))
register_permission_policy(Delivery, StudioStaffPermissionPolicy(Delivery))

class CampaignViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Campaign
    icon = "mail"
    menu_label = _("Campaigns")
    list_display = ["name", "article", "state", "scheduled_at", "report_link"]
    list_filter = ["state"]
    search_fields = ["name"]
    inspect_view_enabled = False


class FollowUpPlanViewSet(ScopedViewSetMixin, ModelViewSet):
    model = FollowUpPlan
    icon = "calendar"
    menu_label = _("Follow-up plans")
    list_display = ["name", "doctor"]
    inspect_view_enabled = False


class EnrolmentViewSet(ScopedViewSetMixin, ModelViewSet):
    model = FollowUpEnrolment
    icon = "date"
    menu_label = _("Plan enrolments")
    list_display = ["patient", "plan", "starts_on", YesNoColumn("active", label=_("active"), sort_key="active")]
    list_filter = ["active"]
    inspect_view_enabled = False


class DeliveryViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Delivery
    icon = "list-ul"
    menu_label = _("Delivery ledger")
    # Labelled here: the ledger's fields are the workers', without verbose names of their own.
    list_display = [
        Column("step_key", label=_("step"), sort_key="step_key"),
        Column("get_channel_display", label=_("channel"), sort_key="channel"),
        Column("masked_address", label=_("to")),
        Column("get_state_display", label=_("state"), sort_key="state"),
        Column("reason", label=_("reason")),
        Column("attempts", label=_("attempts"), sort_key="attempts"),
        DateColumn("updated_at", label=_("updated"), sort_key="updated_at"),
    ]
    list_filter = ["state", "channel"]
    form_fields = []  # the ledger is written by the workers only
    add_view_enabled = False
    inspect_view_enabled = False

    def get_urlpatterns(self):
        # Only the listing: rows are never edited or deleted by hand.
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in ("index", "index_results")]


class DistributionMenuGroup(ModelViewSetGroup):
    menu_label = _("Distribution")
    menu_icon = "mail"
    menu_order = 260
    items = (CampaignViewSet("distribution_campaigns"), FollowUpPlanViewSet("followup_plans"),
             EnrolmentViewSet("followup_enrolments"), DeliveryViewSet("deliveries"))


@hooks.register("register_admin_viewset")
def register_distribution_viewsets():
    return DistributionMenuGroup()


def _visible_campaign(request, campaign_id: int) -> Campaign:
    if not (can_see_all_patients(request.user) or doctor_profile_of(request.user)):
        raise PermissionDenied
    return get_object_or_404(Campaign.objects.visible_to(request.user), pk=campaign_id)


# Column headings of the report's figures (the keys of ``campaign_statistics``).
STATISTIC_LABELS = {
    "total": _("messages"), "pending": _("waiting to send"), "sent": _("sent"), "delivered": _("delivered"),
    "failed": _("failed"), "dead": _("failed permanently"), "skipped": _("skipped"),
    "unsubscribed": _("unsubscribed"), "read": _("opened"),
}


def campaign_report(request, campaign_id: int):
    campaign = _visible_campaign(request, campaign_id)
    failed = Delivery.objects.filter(campaign=campaign, state__in=[DeliveryState.RETRYING, DeliveryState.DEAD])
    reasons = (failed.values_list("reason", flat=True).order_by("reason").distinct())[:20]
    stats = campaign_statistics(campaign)
    return TemplateResponse(request, "campaigns/admin_report.html", {
        "campaign": campaign, "stats": stats, "reasons": list(reasons),
        "stat_columns": [(STATISTIC_LABELS.get(name, name), value) for name, value in stats.items()],
        "can_start": campaign.state in (Campaign.DRAFT, Campaign.PAUSED, Campaign.SCHEDULED),
    })


@require_POST
def campaign_start(request, campaign_id: int):
    from .fanout import validate_campaign
    from .tasks import send_campaign

    campaign = _visible_campaign(request, campaign_id)
    try:
        validate_campaign(campaign)
    except CampaignError as exc:
        messages.error(request, str(exc))
        return redirect("campaign_report", campaign.pk)
    if campaign.scheduled_at and campaign.state == Campaign.DRAFT:
        Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.SCHEDULED)
        messages.success(request, _("Scheduled."))
    else:
        send_campaign.delay(campaign.pk)
        messages.success(request, _("Sending started."))
    return redirect("campaign_report", campaign.pk)


@require_POST
def campaign_retry_failed(request, campaign_id: int):
    from .tasks import deliver_campaign

    campaign = _visible_campaign(request, campaign_id)
    reset = retry_deliveries(Delivery.objects.filter(campaign=campaign))
    if reset:
        Campaign.objects.filter(pk=campaign.pk, state=Campaign.COMPLETED).update(state=Campaign.SENDING)
        deliver_campaign.delay(campaign.pk)
    messages.success(request, _("%(count)d failed message(s) queued again.") % {"count": reset})
    return redirect("campaign_report", campaign.pk)


@hooks.register("register_admin_urls")
def register_campaign_urls():
    return [
        path("distribution/campaigns/<int:campaign_id>/report/", campaign_report, name="campaign_report"),
        path("distribution/campaigns/<int:campaign_id>/start/", campaign_start, name="campaign_start"),
        path("distribution/campaigns/<int:campaign_id>/retry-failed/", campaign_retry_failed,
             name="campaign_retry_failed"),
    ]
