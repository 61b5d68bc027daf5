"""Admin screens: campaigns (with a report page: start, statistics, reads, retry failed), follow-up plans
(with enrolling a group or a CSV selection), enrolments (pause, resume, end, upcoming steps), the
read-only delivery ledger (addresses masked) and the Channels settings screen."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.contrib.settings.registry import register_setting
from wagtail.permissions import register_permission_policy

from cms.core.admin_columns import YesNoColumn
from cms.core.admin_scoping import ListOnlyViewSetMixin, ScopedIndexView, ScopedModelViewSet
from cms.core.outbox import enqueue
from distribution.delivery.states import DeliveryState
from distribution.patients.models import (
    CHANNEL_CHOICES,
    Patient,
    PatientGroup,
    can_see_all_patients,
    doctor_profile_of,
)
from distribution.patients.permissions import SharedTemplatePermissionPolicy, StudioStaffPermissionPolicy
from distribution.sharing.analytics import daily_totals
from distribution.sharing.charts import reads_chart_svg
from distribution.sharing.models import ReadStat

from . import channel_admin
from .channel_settings import ChannelSettings, configured_channel_kinds
from .delivery_ledger import retry_deliveries
from .enrolment import SelectionError, enrol_patients, patients_from_csv, upcoming_steps
from .fanout import CampaignError, campaign_statistics, last_progress_at, stalled_campaign_ids, validate_campaign
from .models import Campaign, Delivery, FollowUpEnrolment, FollowUpPlan
from .tasks import deliver_campaign, send_campaign

REPORT_CHART_DAYS = 30


def campaign_report_link(campaign: Campaign) -> str:
    return format_html('<a href="{}">{}</a>', reverse("campaign_report", args=[campaign.pk]), _("Report"))


campaign_report_link.short_description = _("report")
Campaign.report_link = campaign_report_link


def campaign_state_label(campaign: Campaign) -> str:
    """The state as the listing shows it; a sending campaign whose rows stopped moving is 'Stalled'."""
    if campaign.state == Campaign.FAILED:
        return format_html(
            '<span class="w-status w-status--label" title="{}">{}</span> {}',
            campaign.state_reason,
            campaign.get_state_display(),
            campaign.state_reason,
        )
    if campaign.state == Campaign.SENDING and stalled_campaign_ids(campaign_ids=[campaign.pk]):
        return format_html('<span class="w-status w-status--label" data-campaign-stalled>{}</span>', _("Stalled"))
    return campaign.get_state_display()


campaign_state_label.short_description = _("state")
campaign_state_label.admin_order_field = "state"
Campaign.state_label = campaign_state_label


def plan_step_count(plan: FollowUpPlan) -> int:
    return plan.step_total


plan_step_count.short_description = _("steps")


def plan_enrolled_count(plan: FollowUpPlan) -> int:
    return plan.enrolled_total


plan_enrolled_count.short_description = _("patients enrolled")


def plan_enrol_link(plan: FollowUpPlan) -> str:
    return format_html(
        '<a class="button button-small button-secondary" href="{}">{}</a>',
        reverse("followup_plan_enrol", args=[plan.pk]),
        _("Enrol patients"),
    )


plan_enrol_link.short_description = ""


FollowUpPlan.step_count = plan_step_count
FollowUpPlan.enrolled_count = plan_enrolled_count
FollowUpPlan.enrol_link = plan_enrol_link


def enrolment_schedule_link(enrolment: FollowUpEnrolment) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("patient_followups", args=[enrolment.patient_id]), _("Schedule and actions")
    )


enrolment_schedule_link.short_description = _("upcoming steps")
FollowUpEnrolment.schedule_link = enrolment_schedule_link


class ReadOnlyStaffPermissionPolicy(StudioStaffPermissionPolicy):
    """The ledger is written by the workers: people may look, never add, change or delete."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and super().user_has_permission(user, "view")


# Doctors, editors and distributors by group membership, rows scoped per doctor (see cms.core.admin_scoping).
register_permission_policy(Campaign, StudioStaffPermissionPolicy(Campaign))
register_permission_policy(FollowUpPlan, SharedTemplatePermissionPolicy(FollowUpPlan))
register_permission_policy(FollowUpEnrolment, StudioStaffPermissionPolicy(FollowUpEnrolment))
register_permission_policy(Delivery, ReadOnlyStaffPermissionPolicy(Delivery))
register_setting(ChannelSettings, icon="mail")


class CampaignViewSet(ScopedModelViewSet):
    model = Campaign
    icon = "mail"
    menu_label = _("Campaigns")
    list_display = ["name", "article", "state_label", "scheduled_at", "report_link"]
    list_filter = ["state"]
    search_fields = ["name"]
    inspect_view_enabled = False


class PlanIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(step_total=Count("steps", distinct=True), enrolled_total=Count("enrolments", distinct=True))
        )


class FollowUpPlanViewSet(ScopedModelViewSet):
    model = FollowUpPlan
    icon = "calendar"
    menu_label = _("Follow-up plans")
    index_view_class = PlanIndexView
    list_display = [
        "name",
        YesNoColumn("studio_template", label=_("studio template"), accessor=lambda plan: plan.doctor_id is None),
        "step_count",
        "enrolled_count",
        "enrol_link",
    ]
    search_fields = ["name", "description"]
    inspect_view_enabled = False


class EnrolmentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("patient", "plan")


class EnrolmentViewSet(ScopedModelViewSet):
    model = FollowUpEnrolment
    icon = "date"
    menu_label = _("Plan enrolments")
    index_view_class = EnrolmentIndexView
    list_display = [
        "patient",
        "plan",
        "starts_on",
        StatusTagColumn(
            "status",
            label=_("status"),
            accessor="get_status_display",
            sort_key="status",
            primary=lambda enrolment: enrolment.status == FollowUpEnrolment.ACTIVE,
        ),
        "schedule_link",
    ]
    list_filter = ["status", "plan"]
    inspect_view_enabled = False


class DeliveryViewSet(ListOnlyViewSetMixin, ScopedModelViewSet):
    """The ledger as a listing only: rows are never added, edited or deleted by hand."""

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


class DistributionMenuGroup(ModelViewSetGroup):
    menu_label = _("Distribution")
    menu_icon = "mail"
    menu_order = 260
    items = (
        CampaignViewSet("distribution_campaigns"),
        FollowUpPlanViewSet("followup_plans"),
        EnrolmentViewSet("followup_enrolments"),
        DeliveryViewSet("deliveries"),
    )


@hooks.register("register_admin_viewset")
def register_distribution_viewsets():
    return DistributionMenuGroup()


def _require_staff(request) -> None:
    if not (can_see_all_patients(request.user) or doctor_profile_of(request.user)):
        raise PermissionDenied


def _visible_campaign(request, campaign_id: int) -> Campaign:
    _require_staff(request)
    return get_object_or_404(Campaign.objects.visible_to(request.user), pk=campaign_id)


STAT_LABELS = {
    "total": _("Messages"),
    "pending": _("Waiting"),
    "sent": _("Accepted"),
    "delivered": _("Delivered"),
    "undelivered": _("Not received"),
    "failed": _("Failed"),
    "dead": _("Gave up"),
    "skipped": _("Skipped"),
    "unsubscribed": _("Unsubscribed"),
    "read": _("Reads"),
}


def campaign_report(request, campaign_id: int):
    campaign = _visible_campaign(request, campaign_id)
    failed = Delivery.objects.filter(
        campaign=campaign, state__in=[DeliveryState.RETRYING, DeliveryState.DEAD, DeliveryState.UNDELIVERED]
    )
    reasons = (failed.values_list("reason", flat=True).order_by("reason").distinct())[:20]
    stats = campaign_statistics(campaign)
    series = daily_totals(ReadStat.objects.filter(audience_key=campaign.audience_key), REPORT_CHART_DAYS)
    views, ends = sum(day.views for day in series), sum(day.reads_to_end for day in series)
    configured = configured_channel_kinds()
    labels = dict(CHANNEL_CHOICES)
    return TemplateResponse(
        request,
        "campaigns/admin_report.html",
        {
            "campaign": campaign,
            "stats": stats,
            "stat_rows": [(name, STAT_LABELS.get(name, name), value) for name, value in stats.items()],
            "reasons": list(reasons),
            "can_start": campaign.state in Campaign.STARTABLE_STATES,
            "chart": reads_chart_svg(
                series,
                title=gettext("Reads of this campaign per day, last %(days)s days") % {"days": REPORT_CHART_DAYS},
                description=gettext("%(views)s views, %(ends)s read to the end") % {"views": views, "ends": ends},
                chart_id="campaign-reads",
            ),
            "share_links_url": reverse("sharing_article_links", args=[campaign.article_id]),
            "channels_not_set_up": [labels.get(kind, kind) for kind in campaign.channels if kind not in configured],
            "stalled": bool(stalled_campaign_ids(campaign_ids=[campaign.pk])),
            "last_progress": last_progress_at(campaign.pk),
            "mass_sends": list(campaign.wechat_mass_sends.order_by("created_at")),
        },
    )


@require_POST
def campaign_resume(request, campaign_id: int):
    """Queue the fan-out again now (the sweep would within minutes); rows are claimed by the ledger's rules."""
    campaign = _visible_campaign(request, campaign_id)
    if campaign.state != Campaign.SENDING:
        messages.error(request, _("Only a campaign that is sending can be resumed."))
    elif enqueue(deliver_campaign, campaign.pk):
        messages.success(request, _("Sending resumed."))
    else:
        messages.warning(
            request,
            _(
                "The background service is not reachable right now; the campaign resumes "
                "by itself as soon as it is back."
            ),
        )
    return redirect("campaign_report", campaign.pk)


@require_POST
def campaign_start(request, campaign_id: int):
    campaign = _visible_campaign(request, campaign_id)
    try:
        validate_campaign(campaign)
    except CampaignError as exc:
        messages.error(request, str(exc))
        return redirect("campaign_report", campaign.pk)
    if campaign.scheduled_at and campaign.scheduled_at > timezone.now() and campaign.state == Campaign.DRAFT:
        Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.SCHEDULED)
        messages.success(request, _("Scheduled."))
    elif enqueue(send_campaign, campaign.pk):
        messages.success(request, _("Sending started: the figures below fill in as the messages go out."))
    else:
        messages.warning(
            request,
            _(
                "The background service is not reachable right now. The campaign will "
                "start by itself as soon as it is back; nothing needs to be done again."
            ),
        )
    return redirect("campaign_report", campaign.pk)


@require_POST
def campaign_retry_failed(request, campaign_id: int):
    campaign = _visible_campaign(request, campaign_id)
    reset = retry_deliveries(Delivery.objects.filter(campaign=campaign))
    if reset:
        Campaign.objects.filter(pk=campaign.pk, state=Campaign.COMPLETED).update(state=Campaign.SENDING)
        enqueue(deliver_campaign, campaign.pk)  # the ledger rows are reset either way; the sweep sends them
    messages.success(request, _("%(count)d failed message(s) queued again.") % {"count": reset})
    return redirect("campaign_report", campaign.pk)


class EnrolForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=PatientGroup.objects.none(),
        required=False,
        label=_("Patient group"),
        help_text=_("Everyone in the group now (a rule group is evaluated today)."),
    )
    selection = forms.FileField(
        required=False,
        label=_("Or a CSV selection"),
        help_text=_(
            "One patient per line, identified by a column named patient (the studio's number), his_id, "
            "phone, email or openid. UTF-8 or GBK."
        ),
    )
    starts_on = forms.DateField(
        label=_("Day 0"),
        help_text=_("Usually today, or the day of the operation or visit."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = PatientGroup.objects.visible_to(user)
        self.initial.setdefault("starts_on", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("group") and not cleaned.get("selection"):
            raise forms.ValidationError(_("Choose a patient group or a CSV file."))
        return cleaned


def followup_plan_enrol(request, plan_id: int):
    _require_staff(request)
    plan = get_object_or_404(FollowUpPlan.objects.visible_to(request.user), pk=plan_id)
    form = EnrolForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        visible = Patient.objects.visible_to(request.user)
        patient_ids: list[int] = []
        report = None
        if form.cleaned_data["group"]:
            patient_ids += list(
                form.cleaned_data["group"].patients().filter(pk__in=visible.values("pk")).values_list("pk", flat=True)
            )
        if form.cleaned_data["selection"]:
            try:
                found, report = patients_from_csv(form.cleaned_data["selection"].read(), visible)
            except SelectionError as exc:
                form.add_error("selection", str(exc))
            else:
                patient_ids += found
        if not form.errors:
            report = enrol_patients(
                plan, patient_ids, starts_on=form.cleaned_data["starts_on"], by=request.user, report=report
            )
            (messages.warning if report.not_found_lines else messages.success)(request, report.summary())
            return redirect(reverse("followup_enrolments:index") + f"?plan={plan.pk}")
    return TemplateResponse(request, "campaigns/admin/enrol.html", {"plan": plan, "form": form})


def patient_followups(request, patient_id: int):
    """A patient's enrolments: status, the next steps, and pause / resume / end."""
    _require_staff(request)
    patient = get_object_or_404(Patient.objects.visible_to(request.user), pk=patient_id)
    enrolments = list(
        FollowUpEnrolment.objects.filter(patient=patient)
        .select_related("plan", "patient")
        .prefetch_related("plan__steps")
        .order_by("status", "-attached_at")
    )
    if request.method == "POST":
        enrolment = next((e for e in enrolments if str(e.pk) == request.POST.get("enrolment")), None)
        target = {
            "pause": FollowUpEnrolment.PAUSED,
            "resume": FollowUpEnrolment.ACTIVE,
            "end": FollowUpEnrolment.ENDED,
        }.get(request.POST.get("action", ""))
        if enrolment is None or target is None:
            messages.error(request, gettext("Choose an enrolment and an action."))
        elif enrolment.change_status(target):
            messages.success(
                request,
                gettext("%(plan)s: now %(status)s.")
                % {"plan": enrolment.plan.name, "status": enrolment.get_status_display()},
            )
        else:
            messages.warning(
                request,
                gettext(
                    "Nothing changed: an ended enrolment cannot be restarted; "
                    "enrol the patient in the plan again instead."
                ),
            )
        return redirect("patient_followups", patient.pk)
    return TemplateResponse(
        request,
        "campaigns/admin/patient_followups.html",
        {
            "patient": patient,
            "rows": [(enrolment, upcoming_steps(enrolment)) for enrolment in enrolments],
        },
    )


@hooks.register("register_admin_urls")
def register_campaign_urls():
    return [
        path("distribution/campaigns/<int:campaign_id>/report/", campaign_report, name="campaign_report"),
        path("distribution/campaigns/<int:campaign_id>/start/", campaign_start, name="campaign_start"),
        path(
            "distribution/campaigns/<int:campaign_id>/retry-failed/",
            campaign_retry_failed,
            name="campaign_retry_failed",
        ),
        path("distribution/campaigns/<int:campaign_id>/resume/", campaign_resume, name="campaign_resume"),
        path("distribution/follow-up-plans/<int:plan_id>/enrol/", followup_plan_enrol, name="followup_plan_enrol"),
        path("distribution/patients/<int:patient_id>/follow-ups/", patient_followups, name="patient_followups"),
        path(
            "distribution/channels/<int:site_id>/test/", channel_admin.channel_test_message, name="channel_test_message"
        ),
    ]
