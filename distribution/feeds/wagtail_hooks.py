"""Partners and their delivery ledger in the Wagtail admin (Settings → Partners, Settings → Partner deliveries).

Partners are the studio's integrations, not a doctor's rows, so Django's model
permissions decide (``feeds.*_partner``, ``feeds.view_partnerdelivery``; sending
a delivery again takes ``feeds.change_partnerdelivery``), as under Wagtail's
default policy.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from cms.core.admin_columns import YesNoColumn
from cms.core.admin_scoping import ListOnlyViewSetMixin
from distribution.delivery.states import RETRYABLE_STATES, DeliveryState

from . import partners
from .forms import PartnerForm
from .models import Partner, PartnerDelivery
from .tasks import queue_partner_deliveries

# What a person may send again from the ledger (what ``partners.retry_now`` takes).
RETRY_OFFERED_STATES = (*RETRYABLE_STATES, DeliveryState.PENDING)


def may_retry(user) -> bool:
    return ModelPermissionPolicy(PartnerDelivery).user_has_permission(user, "change")


class PartnerIndexView(generic.IndexView):
    def get_base_queryset(self):
        failing = Q(deliveries__state__in=RETRYABLE_STATES)
        return super().get_base_queryset().annotate(failing=Count("deliveries", filter=failing))


class PartnerCreateView(generic.CreateView):
    def save_instance(self):
        partner = super().save_instance()
        if self.form.generated_secret:
            messages.warning(
                self.request,
                _(
                    "The partner's shared secret is %(secret)s — give it to them over a secure channel now; "
                    "it will not be shown again."
                )
                % {"secret": self.form.generated_secret},
            )
        return partner


class PartnerViewSet(ModelViewSet):
    model = Partner
    icon = "site"
    menu_label = _("Partners")
    menu_order = 900
    add_to_settings_menu = True
    index_view_class = PartnerIndexView
    add_view_class = PartnerCreateView
    list_display = [
        "name",
        "endpoint_url",
        "languages",
        "tags",
        YesNoColumn("active", label=_("active")),
        Column("failing", label=_("failing deliveries"), sort_key="failing"),
    ]
    list_filter = ["active"]
    search_fields = ["name", "endpoint_url"]
    inspect_view_enabled = False
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return PartnerForm


class RetryColumn(Column):
    """A "Retry now" button on rows that failed or wait, for those allowed to send them again."""

    cell_template_name = "feeds/admin/retry_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        if request is not None and instance.state in RETRY_OFFERED_STATES and may_retry(request.user):
            context["retry_url"] = reverse("partner_deliveries:retry")
            context["csrf_token"] = get_token(request)
        return context


class PartnerDeliveryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("partner")


class PartnerDeliveryViewSet(ListOnlyViewSetMixin, ModelViewSet):
    """The ledger as a listing: rows come from publishing and are written by the workers, never by hand."""

    model = PartnerDelivery
    icon = "list-ul"
    menu_label = _("Partner deliveries")
    menu_order = 901
    add_to_settings_menu = True
    index_view_class = PartnerDeliveryIndexView
    list_display = [
        Column("partner", label=_("partner"), sort_key="partner__name", classname="field-partner"),
        Column("get_event_display", label=_("event"), sort_key="event"),
        Column("article_key", label=_("article id"), sort_key="article_key"),
        Column("revision_id", label=_("revision")),
        Column("get_state_display", label=_("state"), sort_key="state"),
        Column("attempts", label=_("attempts"), sort_key="attempts"),
        Column("last_error", label=_("last error")),
        DateColumn("last_attempt_at", label=_("last attempt"), sort_key="last_attempt_at"),
        DateColumn("next_attempt_at", label=_("next attempt"), sort_key="next_attempt_at"),
        RetryColumn("retry", label=_("Retry")),
    ]
    list_filter = ["state", "event", "partner"]
    search_fields = ["idempotency_key", "partner__name", "last_error"]

    def extra_urlpatterns(self):
        return [path("retry/", retry_deliveries, name="retry")]


@require_POST
def retry_deliveries(request):
    """Send the posted deliveries (``id``, repeated) again now, under their own idempotency keys."""
    if not may_retry(request.user):
        raise PermissionDenied
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    chosen = PartnerDelivery.objects.filter(pk__in=ids)
    retried = partners.retry_now(chosen)
    queue_partner_deliveries(retried)
    count = len(retried)
    message = ngettext("%(n)d delivery queued for retry.", "%(n)d deliveries queued for retry.", count) % {"n": count}
    (messages.success if retried else messages.warning)(request, message)
    skipped = chosen.count() - count
    if skipped:
        messages.info(request, _("%(n)d already delivered or superseded, not retried.") % {"n": skipped})
    return redirect("partner_deliveries:index")


@hooks.register("register_admin_viewset")
def register_partner_viewsets():
    return [PartnerViewSet("partners"), PartnerDeliveryViewSet("partner_deliveries")]
