"""Forms of the review actions and of the claim-rule try-out box."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.forms import TaskStateCommentForm

from .models.records import RULE_LANGUAGE_CHOICES

MIN_OVERRIDE_REASON_CHARS = 10


class ApprovalForm(TaskStateCommentForm):
    """Approve, optionally with a comment; the override reason only matters when the checks found errors."""

    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_(
            "Required when the automated checks reported errors: why is this revision safe to publish anyway? "
            "It is kept in the audit log."
        ),
    )

    def clean_override_reason(self) -> str:
        reason = self.cleaned_data["override_reason"].strip()
        if reason and len(reason) < MIN_OVERRIDE_REASON_CHARS:
            raise forms.ValidationError(
                _("Please explain the override in at least %(count)d characters.")
                % {"count": MIN_OVERRIDE_REASON_CHARS}
            )
        return reason


class OverrideApprovalForm(ApprovalForm):
    """The same approval, on the page that lists the error findings: here the reason is mandatory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["override_reason"].required = True


class RequestChangesForm(TaskStateCommentForm):
    """Sending an article back always says what to change: the author sees this comment."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].help_text = _(
            "What should the author change? They see this in the editor and by e-mail."
        )


class TryRulesForm(forms.Form):
    text = forms.CharField(
        label=_("Text to check"),
        widget=forms.Textarea({"rows": 6}),
        max_length=20_000,
        help_text=_("Paste a sentence or a paragraph; it is checked against the saved claim rules."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=RULE_LANGUAGE_CHOICES, initial="zh")
