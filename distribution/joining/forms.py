"""The join page's forms. Messages speak to the patient; none repeats what was typed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from distribution.patients.contact_addresses import normalize_mobile_number

from .consent import consent_labels


class JoinForm(forms.Form):
    display_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=40,
        help_text=_("Your name, or e.g. 王阿姨 / Mr Li."),
        error_messages={"required": _("Please tell us how to address you.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        required=False,
        help_text=_("Mainland numbers: 11 digits. Other countries: start with + and the country code."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    keywords = forms.MultipleChoiceField(
        label=_("Which of these concern you?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=settings.LANGUAGES)
    consent = forms.BooleanField(
        label="", error_messages={"required": _("Please agree before joining, or close this page.")}
    )
    health_data_consent = forms.BooleanField(label="", required=False)
    # A honeypot: hidden from people by the stylesheet, filled in by form-filling robots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, keywords=(), needs_mobile=True, language="zh-hans", **kwargs):
        super().__init__(*args, **kwargs)
        labels = consent_labels(language)  # the versioned consent wording (see consent.py)
        self.fields["consent"].label = labels["general"]
        self.fields["health_data_consent"].label = labels["health"]
        self.needs_mobile = needs_mobile
        self.fields["keywords"].choices = [(word, word) for word in keywords]
        if not keywords:
            del self.fields["keywords"]
        if not needs_mobile:
            del self.fields["mobile"]

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Please tell us how to address you."))
        return name

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile", "")
        if not value.strip():
            raise forms.ValidationError(_("Please enter your mobile number."))
        try:
            return normalize_mobile_number(value)
        except ValueError:
            raise forms.ValidationError(
                _(
                    "This is not a mobile number we can send to. Mainland numbers have 11 digits and start with 1; "
                    "for other countries start with + and the country code."
                )
            ) from None

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This form could not be sent. Please reload the page and try again."))
        return ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("keywords") and not cleaned.get("health_data_consent"):
            self.add_error(
                "health_data_consent",
                _("To keep the conditions you ticked, please also tick this box — or untick the conditions."),
            )
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from the text message"),
        max_length=12,
        error_messages={"required": _("Please enter the code from the text message.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("The code has 6 digits."))
        return code
