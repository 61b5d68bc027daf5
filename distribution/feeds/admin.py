"""Partners and their delivery ledger in the Django admin (/django-admin/feeds/)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _, ngettext

from . import partners
from .models import DeliveryState, Partner, PartnerDelivery, new_partner_secret


class PartnerForm(forms.ModelForm):
    """The shared secret is write-only: never sent back to a browser, only replaced."""

    secret = forms.CharField(
        label=_("shared secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only: the current secret is never shown. Leave empty to keep it; for a new partner, "
                    "leave it empty to have one generated (shown once, after saving)."),
    )

    class Meta:
        model = Partner
        fields = ["name", "endpoint_url", "allow_plain_http", "secret", "languages", "tags", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.generated_secret = ""
        self._kept_secret = self.instance.secret if self.instance.pk else ""
        self.initial.pop("secret", None)

    def clean_secret(self) -> str:
        value = self.cleaned_data.get("secret", "")
        if value:
            return value
        if self._kept_secret:
            return self._kept_secret
        self.generated_secret = new_partner_secret()
        return self.generated_secret


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ["name", "endpoint_url", "languages", "tags", "active", "failing_deliveries"]
    list_filter = ["active"]
    search_fields = ["name", "endpoint_url"]
    fields = ["name", "endpoint_url", "allow_plain_http", "secret", "languages", "tags", "active"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if getattr(form, "generated_secret", ""):
            self.message_user(request, _("The partner's shared secret is %(secret)s — give it to them over a secure "
                                         "channel now; it will not be shown again.") % {"secret": form.generated_secret},
                              messages.WARNING)

    def get_queryset(self, request):
        failing = Q(deliveries__state__in=[DeliveryState.RETRYING, DeliveryState.FAILED])
        return super().get_queryset(request).annotate(failing=Count("deliveries", filter=failing))

    @admin.display(description=_("failing deliveries"), ordering="failing")
    def failing_deliveries(self, partner: Partner) -> int:
        return partner.failing


@admin.register(PartnerDelivery)
class PartnerDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "partner", "event", "article_key", "revision_id", "state", "attempts", "last_error", "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["state", "event", "partner"]
    search_fields = ["idempotency_key", "partner__name", "last_error"]
    list_select_related = ["partner"]
    actions = ["retry_selected"]
    readonly_fields = [
        "partner", "article", "article_key", "event", "revision_id", "idempotency_key", "payload", "state", "attempts",
        "last_error", "last_status", "created_at", "last_attempt_at", "next_attempt_at", "delivered_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # deliveries come from publishing, never by hand

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("feeds.change_partnerdelivery")

    @admin.action(description=_("Retry selected deliveries now"), permissions=["retry"])
    def retry_selected(self, request, queryset) -> None:
        ids = partners.retry_now(queryset)
        skipped = queryset.count() - len(ids)
        self.message_user(
            request,
            ngettext("%(n)d delivery queued for retry.", "%(n)d deliveries queued for retry.", len(ids)) % {"n": len(ids)},
            messages.SUCCESS if ids else messages.WARNING,
        )
        if skipped:
            self.message_user(request, _("%(n)d already delivered or superseded, not retried.") % {"n": skipped},
                              messages.INFO)
