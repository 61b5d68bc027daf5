"""Public pages behind links in messages: unsubscribe and reminder pages.

URLs carry only random tokens or a step's public id: no patient data. Pages
speak the patient's language (the contact's patient for unsubscribe links,
the ``lang`` parameter for reminders).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from distribution.patients.models import ContactPoint

from .models import FollowUpStep

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
        "button": text["confirm_button"],
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
        "plan": step.plan.name, "entries": entries[:5], "guideline": step.plan.guideline,
        "more_label": PAGE_TEXT[family]["more"], "source_label": PAGE_TEXT[family]["source"],
    })
    response["X-Robots-Tag"] = "noindex"
    return response
