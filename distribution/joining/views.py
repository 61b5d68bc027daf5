"""The public join page (/join/<token>/), its confirmation, and the leave page.

No login and no patient data in any URL: the invitation token and the
contact's random unsubscribe token are the only identifiers in paths; what
the patient typed waits in the server-side session between the two steps.
Every mistake is answered on the page, in the patient's language.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms.core.languages import site_language
from distribution.campaigns.channel_pool import configured_channel
from distribution.campaigns.configuration import distribution_settings
from distribution.channels import (
    ChannelConfigurationError,
    ContactInactiveError,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    WeChatConfig,
)
from distribution.channels.sms import VERIFICATION_CODE
from distribution.channels.wechat_oauth import WeChatOAuthError, authorize_url, is_wechat_browser, openid_for_code
from distribution.patients.models import ContactPoint

from .consent import CONSENT_VERSION, consent_sections
from .forms import CodeForm, JoinForm
from .leaving import erase_contact
from .membership import JoinRequest, join, welcome_article_for
from .models import Invitation
from .verification import RateLimited, check_code, hit_limit, issue_code, limits

logger = logging.getLogger(__name__)

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
LANGUAGES = ("zh-hans", "en")


def _doctor_context(doctor, language: str) -> dict:
    """The doctor as a reader of ``language`` sees them (English name, title and hospital when given)."""
    credit = doctor.credit(language)
    return {
        "doctor": doctor,
        "doctor_name": credit.name,
        "doctor_title": credit.title,
        "doctor_hospital": credit.hospital,
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" and the CSRF check refuses the form
    response["Referrer-Policy"] = "same-origin"
    return response


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return site_language(translation.get_language())


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _wechat_config() -> WeChatConfig | None:
    try:
        channel = configured_channel("wechat", distribution_settings()).channel
    except ChannelConfigurationError:
        return None
    return channel.config


def _invalid(request: HttpRequest, language: str, status: int, title: str, message: str) -> HttpResponse:
    with translation.override(language):
        return _no_store(
            render(request, "joining/unavailable.html", {"title": title, "message": message}, status=status)
        )


def _find_invitation(request: HttpRequest, token: str, language: str) -> Invitation | HttpResponse:
    with translation.override(language):
        if not TOKEN_SHAPE.match(token):
            return _invalid(
                request,
                language,
                404,
                _("This code is not valid"),
                _("The link or QR code is incomplete. Please scan the code again, or ask at the clinic."),
            )
        invitation = (
            Invitation.objects.select_related("doctor", "doctor__photo", "plan", "group").filter(token=token).first()
        )
        if invitation is None:
            return _invalid(
                request,
                language,
                404,
                _("This code is not valid"),
                _("We do not know this code. Please scan the code again, or ask at the clinic."),
            )
        if invitation.state == "revoked":
            return _invalid(
                request,
                language,
                410,
                _("This code is no longer in use"),
                _("The doctor has withdrawn this code. Please ask at the clinic for the current one."),
            )
        if invitation.state == "expired":
            return _invalid(
                request,
                language,
                410,
                _("This code has expired"),
                _("This code was valid for a limited time. Please ask at the clinic for a new one."),
            )
        return invitation


def _session_key(invitation: Invitation) -> str:
    return f"kepu-join-{invitation.pk}"


def _page(
    request, invitation, language, *, form=None, code_form=None, stage="form", message="", wechat=False, status=200
):
    doctor = invitation.doctor
    article = welcome_article_for(invitation, language)
    context = {
        **_doctor_context(doctor, language),
        "invitation": invitation,
        "language": language,
        "stage": stage,
        "form": form,
        "code_form": code_form,
        "message": message,
        "wechat": wechat,
        "consent_sections": consent_sections(language),
        "consent_version": CONSENT_VERSION,
        "promise": invitation.promise_for(language),
        "frequency": invitation.frequency_for(language),
        "plan": invitation.plan,
        "welcome_article": article,
        "other_language": "en" if language == "zh-hans" else "zh-hans",
        "code_minutes": max(1, limits().code_ttl_s // 60),
    }
    return _no_store(render(request, "joining/join.html", context, status=status))


@require_http_methods(["GET", "POST"])
def join_page(request: HttpRequest, token: str) -> HttpResponse:
    language = _language(request)
    found = _find_invitation(request, token, language)
    if isinstance(found, HttpResponse):
        return found
    invitation = found
    # The page speaks the reader's language (?lang=, else the browser's); the form's "language" is the
    # language of the messages, which may differ, and must not switch the page half-way into another one.
    with translation.override(language):
        state = request.session.get(_session_key(invitation), {})
        if request.method == "GET":
            return _get(request, invitation, language, state)
        action = request.POST.get("action", "")
        if action == "verify" and state.get("pending"):
            return _verify(request, invitation, language, state)
        if action == "resend" and state.get("pending"):
            return _resend(request, invitation, language, state)
        return _submit(request, invitation, language, state)


def _get(request, invitation, language, state):
    seen = request.session.setdefault("kepu-join-seen", [])
    if invitation.pk not in seen:
        invitation.count_scan()
        request.session["kepu-join-seen"] = [*seen, invitation.pk][-50:]
    wechat_config = _wechat_config() if is_wechat_browser(request.headers.get("User-Agent", "")) else None
    code = request.GET.get("code", "")
    if wechat_config and code and request.GET.get("state"):
        if not secrets.compare_digest(request.GET["state"], state.get("oauth_state", "")):
            return _page(
                request,
                invitation,
                language,
                form=_blank_form(invitation, language, state),
                message=_("WeChat sign-in did not complete. You can join with your mobile number instead."),
            )
        try:
            state["openid"] = openid_for_code(wechat_config, code)
        except WeChatOAuthError:
            state["oauth_failed"] = True
            request.session[_session_key(invitation)] = state
            return _page(
                request,
                invitation,
                language,
                form=_blank_form(invitation, language, state),
                message=_("WeChat sign-in did not complete. You can join with your mobile number instead."),
            )
        state.pop("oauth_state", None)
        request.session[_session_key(invitation)] = state
        # Back to the plain address: the one-time code leaves the address bar and the history.
        return HttpResponseRedirect(f"{invitation.join_path()}?lang={language}")
    if wechat_config and not state.get("openid") and not state.get("oauth_failed"):
        state["oauth_state"] = secrets.token_urlsafe(12)
        request.session[_session_key(invitation)] = state
        redirect_uri = f"{invitation.join_url}?lang={language}"
        return HttpResponseRedirect(authorize_url(wechat_config, redirect_uri, state["oauth_state"]))
    if state.get("pending"):
        return _page(request, invitation, language, stage="verify", code_form=CodeForm())
    return _page(
        request, invitation, language, form=_blank_form(invitation, language, state), wechat=bool(state.get("openid"))
    )


def _blank_form(invitation, language, state):
    return JoinForm(
        keywords=invitation.keyword_list(),
        needs_mobile=not state.get("openid"),
        initial={"language": language},
        language=language,
    )


def _submit(request, invitation, language, state):
    openid = state.get("openid")
    form = JoinForm(request.POST, keywords=invitation.keyword_list(), needs_mobile=not openid, language=language)
    if not form.is_valid():
        return _page(request, invitation, language, form=form, wechat=bool(openid), status=400)
    data = form.cleaned_data
    details = {
        "display_name": data["display_name"],
        "language": data["language"],
        "keywords": data.get("keywords", []),
        "health_data_consent": data["health_data_consent"],
    }
    if openid:
        try:
            hit_limit("join-address", _client_address(request), limits().joins_per_address_per_hour, 3600)
        except RateLimited as limited:
            return _page(
                request, invitation, language, form=form, wechat=True, status=429, message=_limited_message(limited)
            )
        return _finish(
            request, invitation, state, JoinRequest(channel="wechat", address=openid, **_request_fields(details))
        )
    number = data["mobile"]
    sent = _send_code(request, invitation, number, data["language"])
    if sent:
        return _page(request, invitation, language, form=form, message=sent, status=429)
    state["pending"] = {**details, "number": number}
    request.session[_session_key(invitation)] = state
    return _page(
        request,
        invitation,
        language,
        stage="verify",
        code_form=CodeForm(),
        message=_("We have sent a 6-digit code to the number ending in %(last)s.") % {"last": number[-4:]},
    )


def _request_fields(details: dict) -> dict:
    return {
        "display_name": details["display_name"],
        "language": details["language"],
        "keywords": tuple(details["keywords"]),
        "health_data_consent": details["health_data_consent"],
    }


def _limited_message(limited: RateLimited) -> str:
    minutes = max(1, (limited.retry_after_s + 59) // 60)
    if limited.scope == "resend":
        return _(
            "A code was sent less than a minute ago. Please wait %(seconds)d seconds before asking for another."
        ) % {"seconds": limited.retry_after_s}
    return _("Too many codes were requested. Please try again in %(minutes)d minutes.") % {"minutes": minutes}


def _send_code(request, invitation, number: str, language: str) -> str:
    """Send a new code; '' when it went out, otherwise what to tell the patient."""
    try:
        code = issue_code(number, _client_address(request))
    except RateLimited as limited:
        return _limited_message(limited)
    message = OutgoingMessage(
        idempotency_key=f"otp-{uuid.uuid4().hex}",
        address=number,
        title=_("Verification code"),
        url=invitation.join_url,
        language=language,
        extra={VERIFICATION_CODE: code},
    )
    try:
        configured_channel("sms", distribution_settings()).channel.send(message)
    except (ChannelConfigurationError, PermanentChannelError, ContactInactiveError, RetryableChannelError) as exc:
        logger.warning("join code for invitation %s not sent: %s", invitation.pk, type(exc).__name__)
        if isinstance(exc, ChannelConfigurationError):
            return _("Text messages cannot be sent at the moment. Please ask at the clinic.")
        if isinstance(exc, RetryableChannelError):
            return _("The text message could not be sent just now. Please try again in a minute.")
        return _("This number cannot receive our text messages. Please check it or use another number.")
    return ""


def _verify(request, invitation, language, state):
    pending = state["pending"]
    code_form = CodeForm(request.POST)
    if not code_form.is_valid():
        return _page(request, invitation, language, stage="verify", code_form=code_form, status=400)
    result = check_code(pending["number"], code_form.cleaned_data["code"])
    if not result.ok:
        messages = {
            "wrong": _("That code is not right. You have %(left)d more tries.") % {"left": result.attempts_left},
            "attempts": _("Too many wrong codes. Please ask for a new code."),
            "expired": _("This code has expired. Please ask for a new code."),
            "missing": _("This code has expired. Please ask for a new code."),
        }
        return _page(
            request,
            invitation,
            language,
            stage="verify",
            code_form=CodeForm(),
            message=messages[result.reason],
            status=400,
        )
    return _finish(
        request, invitation, state, JoinRequest(channel="sms", address=pending["number"], **_request_fields(pending))
    )


def _resend(request, invitation, language, state):
    pending = state["pending"]
    problem = _send_code(request, invitation, pending["number"], pending["language"])
    if problem:
        return _page(request, invitation, language, stage="verify", code_form=CodeForm(), message=problem, status=429)
    return _page(
        request,
        invitation,
        language,
        stage="verify",
        code_form=CodeForm(),
        message=_("We have sent a new code to the number ending in %(last)s.") % {"last": pending["number"][-4:]},
    )


def _finish(request, invitation, state, join_request: JoinRequest):
    result = join(invitation, join_request)
    request.session[_session_key(invitation)] = {
        "done": result.contact.unsubscribe_token,
        "language": join_request.language,
    }
    return HttpResponseRedirect(
        reverse("joining:joined", kwargs={"token": invitation.token}) + f"?lang={join_request.language}"
    )


@require_http_methods(["GET"])
def joined(request: HttpRequest, token: str) -> HttpResponse:
    language = _language(request)
    found = _find_invitation(request, token, language)
    if isinstance(found, HttpResponse):
        return found
    invitation = found
    state = request.session.get(_session_key(invitation), {})
    if not state.get("done"):
        return HttpResponseRedirect(invitation.join_path())
    contact = ContactPoint.objects.select_related("patient").filter(unsubscribe_token=state["done"]).first()
    if contact is None:
        raise Http404("contact erased")
    with translation.override(language):
        return _no_store(
            render(
                request,
                "joining/joined.html",
                {
                    **_doctor_context(invitation.doctor, language),
                    "invitation": invitation,
                    "patient": contact.patient,
                    "leave_url": reverse("joining:leave", kwargs={"token": contact.unsubscribe_token})
                    + f"?lang={language}",
                    "plan": invitation.plan,
                    "welcome_article": welcome_article_for(invitation, language),
                },
            )
        )


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """Stop messages on this channel, or erase the contact data; GET only asks (link scanners change nothing)."""
    contact = ContactPoint.objects.select_related("patient", "patient__doctor").filter(unsubscribe_token=token).first()
    language = request.GET.get("lang") if request.GET.get("lang") in LANGUAGES else None
    if contact is None:
        with translation.override(language or _language(request)):
            return _invalid(
                request,
                language or _language(request),
                404,
                _("Nothing to remove"),
                _("These contact details are no longer stored, or the link is incomplete."),
            )
    language = language or site_language(contact.patient.preferred_language)
    with translation.override(language):
        done = ""
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "erase":
                erase_contact(contact)
                return _no_store(render(request, "joining/left.html", {"erased": True, "language": language}))
            if action == "stop":
                contact.unsubscribe()
                done = _(
                    "You will receive no more messages. Your contact details are still stored; you can "
                    "delete them below."
                )
        return _no_store(
            render(
                request,
                "joining/leave.html",
                {
                    **_doctor_context(contact.patient.doctor, language),
                    "contact": contact,
                    "done": done,
                    "language": language,
                    "stopped": contact.unsubscribed_at is not None,
                },
            )
        )
