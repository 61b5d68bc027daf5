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
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from distribution.channels.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from distribution.patients.models import ContactPoint

from .channel_settings import admin_channel_configs
from .followup_templates import plan_name
from .models import FollowUpStep

logger = logging.getLogger(__name__)

CHANNEL_NAMES = {
    "zh": {"wechat": "微信消息", "sms": "短信", "email": "电子邮件", "webhook": "医院系统通知"},
    "en": {"wechat": "WeChat messages", "sms": "text messages", "email": "e-mails", "webhook": "hospital system notices"},
}
PAGE_TEXT = {
    "zh": {
        "lang": "zh-Hans",
        "confirm_title": "退订确认",
        "confirm_text": "确定不再通过{channel}接收健康科普和随访提醒吗？",
        "confirm_button": "确认退订",
        "done_title": "已退订",
        "done_text": "您将不再通过{channel}收到我们的消息。如需恢复，请联系您的医生。",
        "already_text": "您已退订{channel}，不会再收到我们的消息。",
        "more": "了解更多",
        "source": "依据：",
        "erase": "删除我的联系方式",
    },
    "en": {
        "lang": "en",
        "confirm_title": "Unsubscribe",
        "confirm_text": "Stop receiving health articles and follow-up reminders by {channel}?",
        "confirm_button": "Unsubscribe",
        "done_title": "You are unsubscribed",
        "done_text": "You will no longer receive our {channel}. To receive them again, please ask your doctor.",
        "already_text": "You have already unsubscribed from our {channel}.",
        "more": "Learn more",
        "source": "Based on: ",
        "erase": "Delete my contact details",
    },
}


def _language_family(code: str) -> str:
    return "zh" if (code or "").lower().startswith("zh") else "en"


@csrf_exempt  # the token is the credential; RFC 8058 one-click POSTs come from mail clients without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners must not unsubscribe anyone); POST unsubscribes at once."""
    contact = get_object_or_404(ContactPoint.objects.select_related("patient"), unsubscribe_token=token)
    family = _language_family(contact.patient.preferred_language)
    text = PAGE_TEXT[family]
    channel = CHANNEL_NAMES[family][contact.channel]
    if request.method == "POST":
        contact.unsubscribe()
        title, message, show_form = text["done_title"], text["done_text"].format(channel=channel), False
    elif contact.unsubscribed_at is not None:
        title, message, show_form = text["done_title"], text["already_text"].format(channel=channel), False
    else:
        title, message, show_form = text["confirm_title"], text["confirm_text"].format(channel=channel), True
    response = render(request, "campaigns/unsubscribe.html", {
        "html_lang": text["lang"], "title": title, "message": message, "show_form": show_form,
        "button": text["confirm_button"], "erase_label": text["erase"],
        # The right to erasure (PIPL art. 47) sits beside every unsubscribe: the joining app's leave page.
        "erase_url": reverse("joining:leave", kwargs={"token": contact.unsubscribe_token}) + f"?lang="
                     f"{'zh-hans' if family == 'zh' else 'en'}",
    })
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
    language = request.GET.get("lang", "zh-hans")
    family = _language_family(language)
    entries = step.plan.encyclopedia_entries("zh-hans" if family == "zh" else "en")
    if not entries and family != "zh":
        entries = step.plan.encyclopedia_entries("zh-hans")  # the ICD-coded entries are Chinese first
    response = render(request, "campaigns/reminder.html", {
        "html_lang": PAGE_TEXT[family]["lang"], "title": step.title_for(language), "text": step.text_for(language),
        "plan": plan_name(step.plan, language), "entries": entries[:5], "guideline": step.plan.guideline,
        "more_label": PAGE_TEXT[family]["more"], "source_label": PAGE_TEXT[family]["source"],
    })
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
    if not verify_signature(secret, request.headers.get(TIMESTAMP_HEADER, ""), body,
                            request.headers.get(SIGNATURE_HEADER, "")):
        return JsonResponse({"accepted": False, "error": "bad or missing signature"}, status=401)
    try:
        json.loads(body)
    except ValueError:
        return JsonResponse({"accepted": False, "error": "body is not JSON"}, status=400)
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    logger.info("webhook inbox accepted key=%s", key)
    return JsonResponse({"accepted": True, "idempotency_key": key})
