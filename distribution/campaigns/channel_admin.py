"""The Channels settings screen: write-only credentials, a health panel and "send a test message".

The screen is Wagtail's site-settings edit view for ``ChannelSettings`` with
a form that never renders a stored credential, and one panel per channel
that shows the health of its last sends and a test button. The test button
submits the page's form to ``channel_test_message`` (``formaction``), which
sends through the same ``configured_channel`` the delivery engine uses.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList, Panel, TabbedInterface
from wagtail.models import Site

from distribution.channels import ChannelError, OutgoingMessage, get_channel
from distribution.delivery.states import DeliveryState
from distribution.patients.models import can_manage_channels

from .channel_pool import configured_channel
from .channel_settings import SECRET_FIELDS, ChannelSettings, environment_channel_kinds
from .configuration import distribution_settings
from .models import SUCCESS_STATES, Delivery

__all__ = ["ChannelSettingsForm", "ChannelStatusPanel", "channel_health", "send_test_message", "channel_test_message"]

SMS_CALLBACK_KEY = re.compile(r"[A-Za-z0-9_-]{16,100}")
CHANNEL_TITLES = {
    "wechat": _("WeChat"),
    "sms": _("Text messages (SMS)"),
    "email": _("E-mail"),
    "webhook": _("Webhook to the hospital system"),
}
TEST_ADDRESS_HELP = {
    "wechat": _("The openid of a follower of the service account (for example your own)."),
    "sms": _("A mobile number, for example 138 0013 8000."),
    "email": _("An e-mail address, for example your own."),
    "webhook": _("Not needed: the test notice goes to the endpoint above."),
}


class ChannelSettingsForm(WagtailAdminModelForm):
    """Credentials are never rendered: the box says whether one is set; an empty box keeps it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for names in SECRET_FIELDS.values():
            for name in names:
                if name not in self.fields:
                    continue
                field = self.fields[name]
                is_set = bool(getattr(self.instance, name, ""))
                field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
                field.required = False
                field.help_text = (
                    _("Set. Type a new value to replace it; leave empty to keep it.") if is_set else _("Not set.")
                )
                self.initial[name] = ""

    def clean(self):
        cleaned = super().clean()
        for names in SECRET_FIELDS.values():
            for name in names:
                if name not in self.fields:
                    continue
                if not cleaned.get(name):
                    cleaned[name] = getattr(self.instance, name, "") if self.instance.pk else ""
        if (
            "sms_token" in self.fields
            and not self.data.get(self.add_prefix("sms_token"))
            and cleaned.get("sms_secret_id") != self.instance.sms_secret_id
        ):
            cleaned["sms_token"] = ""  # a session token belongs to the SecretId it was issued with
        candidate = ChannelSettings(
            **{name: value for name, value in cleaned.items() if name in {f.name for f in ChannelSettings._meta.fields}}
        )
        for kind in SECRET_FIELDS:
            if f"{kind}_enabled" not in cleaned or not cleaned[f"{kind}_enabled"]:
                continue
            config = candidate.channel_config(kind)
            options = dict(config)
            options.pop("endpoint", None)
            try:
                get_channel(kind, options).close()
            except (TypeError, ValueError) as exc:
                self.add_error(
                    f"{kind}_enabled",
                    ValidationError(
                        gettext("%(channel)s cannot be switched on with these settings: %(problem)s")
                        % {"channel": CHANNEL_TITLES[kind], "problem": exc}
                    ),
                )
            key = str(config.get("callback_token", ""))
            if kind == "sms" and key and not SMS_CALLBACK_KEY.fullmatch(key):
                self.add_error(
                    "sms_callback_token",
                    gettext("Use at least 16 letters, digits, - or _ (it becomes part of an address)."),
                )
            if kind == "webhook" and not str(config.get("endpoint", "")).startswith(("https://", "http://")):
                self.add_error("webhook_endpoint", gettext("Enter the address the notices are posted to."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        for names in SECRET_FIELDS.values():  # the model form copied the (possibly empty) typed value
            for name in names:
                if name in self.cleaned_data:
                    setattr(self.instance, name, self.cleaned_data[name])


def receipt_address(kind: str, site_id: int) -> str:
    """Where the provider reports deliveries for this site (the SMS key stays a placeholder: it is a secret)."""
    base = settings.KEPU_PUBLIC_BASE_URL.rstrip("/")
    if kind == "wechat":
        return base + reverse("campaigns:wechat_push", args=[site_id])
    if kind == "sms":
        return base + reverse("campaigns:sms_status_callback", args=[site_id, "KEY"]).replace("KEY", "<key>")
    return ""


def channel_health(kind: str, *, now=None) -> dict:
    """What the last sends on ``kind`` say: last success, last failure and its reason, last 24 hours."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(channel=kind)
    last_success = rows.filter(state__in=SUCCESS_STATES).aggregate(at=Max("sent_at"))["at"]
    failure = (
        rows.filter(state__in=(DeliveryState.RETRYING, DeliveryState.DEAD))
        .order_by("-updated_at")
        .values("updated_at", "reason")
        .first()
    )
    day = rows.filter(updated_at__gte=now - timedelta(hours=24)).aggregate(
        sent=Count("pk", filter=Q(state__in=SUCCESS_STATES)),
        failed=Count("pk", filter=Q(state__in=(DeliveryState.RETRYING, DeliveryState.DEAD))),
    )
    if failure and (last_success is None or failure["updated_at"] > last_success):
        status, label = "failing", _("Failing")
    elif last_success:
        status, label = "ok", _("Working")
    else:
        status, label = "unknown", _("No messages sent yet")
    return {
        "status": status,
        "label": label,
        "last_success": last_success,
        "last_failure": failure["updated_at"] if failure else None,
        "last_failure_reason": failure["reason"] if failure else "",
        **day,
    }


class ChannelStatusPanel(Panel):
    """Health, test result and the test button of one channel, inside the settings form."""

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "kind": self.kind}

    class BoundPanel(Panel.BoundPanel):
        template_name = "campaigns/admin/channel_status_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            kind = self.panel.kind
            instance = self.instance
            overridden = kind in environment_channel_kinds(distribution_settings().channels)
            context.update(
                {
                    "kind": kind,
                    "health": channel_health(kind),
                    "test": (instance.test_results or {}).get(kind) if instance else None,
                    "overridden": overridden,
                    "enabled": overridden or (instance is not None and instance.pk and instance.is_enabled(kind)),
                    "test_url": reverse("channel_test_message", args=[instance.site_id])
                    if instance and instance.site_id
                    else "",
                    "address_help": TEST_ADDRESS_HELP[kind],
                    "needs_address": kind != "webhook",
                    "receipt_address": receipt_address(kind, instance.site_id) if instance and instance.site_id else "",
                }
            )
            return context


def send_test_message(kind: str, address: str, site: Site) -> dict:
    """Send one test notice on ``kind`` for ``site`` and return the recorded result."""
    base = settings.KEPU_PUBLIC_BASE_URL.rstrip("/")
    extra = {}
    try:
        target = configured_channel(kind, distribution_settings(), site.pk)
        if kind == "webhook":
            address, extra = target.endpoint, {"patient_ref": "TEST", "test": True}
        message = OutgoingMessage(
            idempotency_key=f"test-{uuid.uuid4().hex}",
            address=address.strip(),
            title=gettext("Test message from Kepu Studio"),
            summary=gettext("If you can read this, the channel works."),
            url=f"{base}/",
            language="zh-hans",
            unsubscribe_url=f"{base}/",
            extra=extra,
        )
        result = target.channel.send(message)
        outcome = {"ok": True, "detail": result.detail or str(result.outcome)}
    except ChannelError as exc:
        outcome = {"ok": False, "detail": exc.reason[:300]}
    except ValueError as exc:
        outcome = {"ok": False, "detail": str(exc)[:300]}
    outcome["at"] = timezone.now().isoformat()
    row, _created = ChannelSettings.objects.get_or_create(site=site)
    ChannelSettings.objects.filter(pk=row.pk).update(test_results={**(row.test_results or {}), kind: outcome})
    return outcome


@require_POST
def channel_test_message(request, site_id: int):
    if not can_manage_channels(request.user):
        raise PermissionDenied
    site = get_object_or_404(Site, pk=site_id)
    kind = request.POST.get("test_channel", "")
    if kind not in SECRET_FIELDS:
        messages.error(request, gettext("Choose a channel to test."))
    else:
        address = request.POST.get(f"test_address_{kind}", "")
        if kind != "webhook" and not address.strip():
            messages.error(request, gettext("Enter where the test message should go."))
        else:
            outcome = send_test_message(kind, address or "-", site)
            if outcome["ok"]:
                messages.success(
                    request,
                    gettext("Test message sent on %(channel)s: %(detail)s")
                    % {"channel": CHANNEL_TITLES[kind], "detail": outcome["detail"]},
                )
            else:
                messages.error(
                    request,
                    gettext("The test message on %(channel)s failed: %(detail)s")
                    % {"channel": CHANNEL_TITLES[kind], "detail": outcome["detail"]},
                )
    return redirect(reverse("wagtailsettings:edit", args=["campaigns", "channelsettings", site.pk]))


def _channel_tab(kind: str, *field_names: str) -> ObjectList:
    return ObjectList(
        [
            FieldPanel(f"{kind}_enabled"),
            *[FieldPanel(name) for name in field_names],
            ChannelStatusPanel(kind, heading=_("Status and test")),
        ],
        heading=CHANNEL_TITLES[kind],
    )


# The screen's layout lives with its form and status panel (the model stays free of admin imports).
ChannelSettings.base_form_class = ChannelSettingsForm
ChannelSettings.edit_handler = TabbedInterface(
    [
        _channel_tab(
            "email",
            "email_transport",
            "email_from_address",
            "email_host",
            "email_port",
            "email_security",
            "email_username",
            "email_password",
            "email_reply_to",
        ),
        _channel_tab("webhook", "webhook_endpoint", "webhook_secret", "webhook_allow_plain_http"),
        _channel_tab(
            "wechat",
            "wechat_account_type",
            "wechat_message_kind",
            "wechat_app_id",
            "wechat_app_secret",
            "wechat_template_id",
            "wechat_miniprogram_page",
            "wechat_miniprogram_app_id",
            "wechat_push_token",
            "wechat_encoding_aes_key",
            "wechat_api_base",
        ),
        _channel_tab(
            "sms",
            "sms_secret_id",
            "sms_secret_key",
            "sms_token",
            "sms_sdk_app_id",
            "sms_sign_name",
            "sms_template_id_zh",
            "sms_template_text_zh",
            "sms_template_id_en",
            "sms_template_text_en",
            "sms_verification_template_id_zh",
            "sms_verification_template_text_zh",
            "sms_verification_template_id_en",
            "sms_verification_template_text_en",
            "sms_callback_token",
            "sms_api_base",
        ),
    ]
)
