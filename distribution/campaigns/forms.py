"""Admin forms of campaigns and follow-up plans: channels as checkboxes of the channels that are set up."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from distribution.patients.models import CHANNEL_CHOICES, DoctorScopedForm

from .channel_settings import configured_channel_kinds

__all__ = ["ChannelChoiceForm"]


class ChannelCheckboxes(forms.MultipleChoiceField):
    """The four channel kinds as checkboxes; kinds not set up are labelled so and refused."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=CHANNEL_CHOICES, **kwargs)
        self.configured: list[str] = []
        self.kept: set[str] = set()  # already chosen before a channel was switched off: may stay

    def refresh(self, kept=()) -> None:
        self.configured = configured_channel_kinds()
        self.kept = set(kept)
        self.choices = [
            (kind, label if kind in self.configured else gettext("%(channel)s (not set up yet)") % {"channel": label})
            for kind, label in CHANNEL_CHOICES
        ]

    def validate(self, value):
        super().validate(value)
        missing = [kind for kind in value if kind not in self.configured and kind not in self.kept]
        if missing:
            labels = dict(CHANNEL_CHOICES)
            raise forms.ValidationError(
                gettext("Not set up yet: %(channels)s. An administrator sets channels up under Settings → Channels.")
                % {"channels": "、".join(str(labels[kind]) for kind in missing)}
            )


class ChannelChoiceForm(DoctorScopedForm):
    channels = ChannelCheckboxes(
        label=_("channels"), help_text=_("Each patient gets the message on the channels they agreed to among these.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].refresh(kept=self.instance.channels if self.instance.pk else ())
        if not self.fields["channels"].configured:
            self.fields["channels"].help_text = _(
                "No channel is set up yet: an administrator sets them up under Settings → Channels."
            )
