"""The partner form of the admin: the shared secret is write-only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import Partner, new_partner_secret


class PartnerForm(WagtailAdminModelForm):
    """The shared secret is never sent back to a browser, only replaced; a new partner gets one generated."""

    secret = forms.CharField(
        label=_("shared secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Write-only: the current secret is never shown. Leave empty to keep it; for a new partner, "
            "leave it empty to have one generated (shown once, after saving)."
        ),
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
