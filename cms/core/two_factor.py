"""Two-step verification (TOTP) for the admin, on django-otp.

* Opt-in: any admin user turns it on from their account page (scan a QR code,
  type one code); from then on the login form asks for the 6-digit code.
* Enforced per role: members of the groups in ``KEPU_TWO_FACTOR_REQUIRED_FOR``
  (``"superusers"`` for superusers) are sent to the set-up page after login
  until they have turned it on, and cannot turn it off.
* A wrong code counts as a failed login for django-axes, so the code cannot be
  guessed any faster than the password.
"""

from __future__ import annotations

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.admin.forms.auth import LoginForm

__all__ = ["StudioLoginForm", "RequireTwoFactorMiddleware", "two_factor_required", "setup_view", "disable_view"]

_CODE_FIELD = dict(
    label=_("Verification code"),
    required=False,
    max_length=8,
    widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
)


def two_factor_required(user) -> bool:
    """Whether the studio's settings make two-step verification compulsory for ``user``'s role."""
    required = set(getattr(settings, "KEPU_TWO_FACTOR_REQUIRED_FOR", []))
    if not required or not user.is_authenticated:
        return False
    if user.is_superuser and "superusers" in required:
        return True
    return user.groups.filter(name__in=required).exists()


class StudioLoginForm(LoginForm):
    """Wagtail's login form, plus the authenticator code for users who turned two-step verification on."""

    otp_token = forms.CharField(
        **_CODE_FIELD,
        help_text=_("Only if you turned on two-step verification: the 6 digits in your authenticator app."),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not user_has_device(user):
            return cleaned
        token = "".join((cleaned.get("otp_token") or "").split())
        device = match_token(user, token) if token else None
        if device is None:
            # Counted by django-axes like a wrong password: the code cannot be guessed faster than the password.
            user_login_failed.send(
                sender=__name__, credentials={"username": cleaned.get("username")}, request=self.request
            )
            raise forms.ValidationError(
                _("Enter the current 6-digit code from your authenticator app.")
                if not token
                else _("That verification code is wrong or has expired. Try the newest one."),
                code="invalid_otp",
            )
        user.otp_device = device  # django-otp marks the session verified when Django logs the user in
        return cleaned


class RequireTwoFactorMiddleware:
    """In the admin: users whose role requires two-step verification set it up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path_info.startswith("/admin/")
            and not request.path_info.startswith(self._exempt_paths())
        ):
            if user_has_device(user) and not user.is_verified():
                logout(request)  # a session from before the device was confirmed elsewhere
                return redirect(f"{reverse('wagtailadmin_login')}?next={request.path}")
            if not user_has_device(user) and two_factor_required(user):
                messages.warning(request, _("Your role requires two-step verification. Set it up to continue."))
                return redirect("kepu_two_factor_setup")
        return self.get_response(request)

    @staticmethod
    def _exempt_paths() -> tuple[str, ...]:
        return (
            reverse("kepu_two_factor_setup"),
            reverse("wagtailadmin_logout"),
            reverse("wagtailadmin_login"),
            "/admin/jsi18n/",
        )


class CodeForm(forms.Form):
    otp_token = forms.CharField(**_CODE_FIELD)


def _qr_data_uri(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def setup_view(request):
    """Scan the code, type the 6 digits it shows: two-step verification is on."""
    user = request.user
    if user_has_device(user):
        return TemplateResponse(
            request,
            "core/admin/two_factor.html",
            {
                "enabled": True,
                "required": two_factor_required(user),
                "form": CodeForm(),
            },
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token("".join(form.cleaned_data["otp_token"].split())):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-step verification is on. You will be asked for a code at each login."))
            return redirect("wagtailadmin_home")
        form.add_error("otp_token", _("That code does not match. Check the phone's clock and type the newest code."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return TemplateResponse(
        request,
        "core/admin/two_factor.html",
        {
            "enabled": False,
            "required": two_factor_required(user),
            "form": form,
            "qr": _qr_data_uri(device),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


def disable_view(request):
    """Turn two-step verification off (with a current code); not allowed where the role requires it."""
    if request.method != "POST":
        return redirect("kepu_two_factor_setup")
    if two_factor_required(request.user):
        messages.error(request, _("Your role requires two-step verification; it cannot be turned off."))
        return redirect("kepu_two_factor_setup")
    form = CodeForm(request.POST)
    token = "".join(form.data.get("otp_token", "").split())
    if not token or match_token(request.user, token) is None:
        messages.error(request, _("That verification code is wrong or has expired; nothing was changed."))
        return redirect("kepu_two_factor_setup")
    TOTPDevice.objects.filter(user=request.user).delete()
    messages.success(request, _("Two-step verification is off."))
    return redirect("wagtailadmin_home")
