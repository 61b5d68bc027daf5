"""Public pages behind links in messages: unsubscribe and reminder pages.

URLs carry only random tokens or a step's public id: no patient data. Pages
speak the patient's language (the contact's patient for unsubscribe links,
the ``lang`` parameter for reminders).
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cms.core.languages import CHINESE, HTML_LANG, site_language
from distribution.channels.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from distribution.patients.models import ContactPoint

from .channel_settings import admin_channel_configs
from .followup_templates import plan_name
from .models import FollowUpStep

logger = logging.getLogger(__name__)


def channel_name(channel: str) -> str:
    """What the patient calls the channel, in the active language ("stop receiving … by …")."""
    return {
        "wechat": pgettext("unsubscribe", "WeChat messages"),
        "sms": pgettext("unsubscribe", "text messages"),
        "email": pgettext("unsubscribe", "e-mails"),
        "webhook": pgettext("unsubscribe", "hospital system notices"),
    }.get(channel, channel)


@csrf_exempt  # the token is the credential; RFC 8058 one-click POSTs come from mail clients without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners must not unsubscribe anyone); POST unsubscribes at once."""
    contact = get_object_or_404(ContactPoint.objects.select_related("patient"), unsubscribe_token=token)
    language = site_language(contact.patient.preferred_language)
    with translation.override(language):
        channel = channel_name(contact.channel)
        if request.method == "POST":
            contact.unsubscribe()
            title, show_form = gettext("You are unsubscribed"), False
            message = gettext(
                "You will no longer receive our %(channel)s. To receive them again, please ask your doctor."
            ) % {"channel": channel}
        elif contact.unsubscribed_at is not None:
            title, show_form = gettext("You are unsubscribed"), False
            message = gettext("You have already unsubscribed from our %(channel)s.") % {"channel": channel}
        else:
            title, show_form = pgettext("page title", "Unsubscribe"), True
            message = gettext("Stop receiving health articles and follow-up reminders by %(channel)s?") % {
                "channel": channel
            }
        response = render(
            request,
            "campaigns/unsubscribe.html",
            {
                "html_lang": HTML_LANG[language],
                "title": title,
                "message": message,
                "show_form": show_form,
                # The right to erasure (PIPL art. 47) sits beside every unsubscribe: the joining app's leave page.
                "erase_url": reverse("joining:leave", kwargs={"token": contact.unsubscribe_token})
                + f"?lang={language}",
            },
        )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET"])
def reminder(request: HttpRequest, public_id: str) -> HttpResponse:
    """The text of a follow-up reminder (the same for every patient on the plan)."""
    step = get_object_or_404(FollowUpStep.objects.select_related("plan"), public_id=public_id)
    if step.kind == FollowUpStep.ARTICLE:
        raise Http404("not a reminder")
    language = site_language(request.GET.get("lang"))
    entries = step.plan.encyclopedia_entries(language)
    if not entries and language != CHINESE:
        entries = step.plan.encyclopedia_entries(CHINESE)  # the ICD-coded entries are Chinese first
    with translation.override(language):
        response = render(
            request,
            "campaigns/reminder.html",
            {
                "html_lang": HTML_LANG[language],
                "title": step.title_for(language),
                "text": step.text_for(language),
                "plan": plan_name(step.plan, language),
                "entries": entries[:5],
                "guideline": step.plan.guideline,
            },
        )
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt  # machine-to-machine: the HMAC signature is the credential
@require_http_methods(["POST"])
def webhook_inbox(request: HttpRequest) -> HttpResponse:
    """A receiving end for trying the webhook channel on one machine (DEBUG or ``KEPU_WEBHOOK_INBOX``).

    It does what a hospital system's receiver must do: check the signature over
    the raw body against the shared secret (the default site's Channels screen)
    and the timestamp, then acknowledge with 2xx. It keeps nothing; the log
    line carries the idempotency key only.
    """
    if not (settings.DEBUG or getattr(settings, "KEPU_WEBHOOK_INBOX", False)):
        raise Http404("the webhook inbox is for development")
    secret = (admin_channel_configs().get("webhook") or {}).get("secret", "")
    body = request.body
    if not verify_signature(
        secret, request.headers.get(TIMESTAMP_HEADER, ""), body, request.headers.get(SIGNATURE_HEADER, "")
    ):
        return JsonResponse({"accepted": False, "error": "bad or missing signature"}, status=401)
    try:
        json.loads(body)
    except ValueError:
        return JsonResponse({"accepted": False, "error": "body is not JSON"}, status=400)
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    logger.info("webhook inbox accepted key=%s", key)
    return JsonResponse({"accepted": True, "idempotency_key": key})
