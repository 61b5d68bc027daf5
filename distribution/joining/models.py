"""Invitation codes (扫码报到), the consent a patient gave when joining, and erasures.

An invitation's token is the only thing in the join URL: random, and nothing
about the doctor's patients in it. Consent records keep the version of the
text the patient saw and when; an erasure record keeps that something was
removed, for whom (the doctor) and when — never what.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from cms.core.languages import language_family
from distribution.campaigns.models import DoctorScopedQuerySet, FollowUpPlan
from distribution.patients.models import CHANNEL_CHOICES, DoctorScopedForm, PatientGroup, split_tag_list

TOKEN_BYTES = 12  # 96 bits: short enough for a small QR code, far too many to guess


def new_invitation_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class InvitationQuerySet(DoctorScopedQuerySet):
    pass


class InvitationForm(DoctorScopedForm):
    """Offers a doctor only their own static groups and the plans they may use."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "group" in self.fields:
            groups = PatientGroup.objects.filter(kind=PatientGroup.STATIC)
            if for_user is not None:
                groups = groups & PatientGroup.objects.visible_to(for_user)
            self.fields["group"].queryset = groups
        if "plan" in self.fields and for_user is not None:
            self.fields["plan"].queryset = FollowUpPlan.objects.visible_to(for_user)

    def clean(self):
        cleaned = super().clean()
        doctor, group, plan = cleaned.get("doctor"), cleaned.get("group"), cleaned.get("plan")
        if doctor and group and group.doctor_id not in (None, doctor.pk):
            self.add_error("group", _("This group belongs to another doctor."))
        if doctor and plan and plan.doctor_id not in (None, doctor.pk):
            self.add_error("plan", _("This plan belongs to another doctor."))
        return cleaned


class Invitation(models.Model):
    """One QR code a doctor shows patients: general, or for a group and/or a follow-up plan."""

    doctor = models.ForeignKey(
        "doctors.DoctorProfile", verbose_name=_("doctor"), on_delete=models.CASCADE, related_name="invitations"
    )
    name = models.CharField(
        _("name"), max_length=120, help_text=_("For you and the poster, e.g. “高血压随访” or “术后第1周”.")
    )
    token = models.CharField(max_length=32, unique=True, default=new_invitation_token, editable=False)
    group = models.ForeignKey(
        PatientGroup,
        verbose_name=_("patient group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
        help_text=_("A static list; everyone who joins with this code is added to it."),
    )
    plan = models.ForeignKey(
        "campaigns.FollowUpPlan",
        verbose_name=_("follow-up plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
        help_text=_("Patients who join are enrolled in it, with day 0 the day they join."),
    )
    keywords = models.CharField(
        _("conditions offered"),
        max_length=300,
        blank=True,
        help_text=_(
            "Comma-separated conditions or keywords the patient may tick, e.g. 高血压, 糖尿病. They become "
            "the patient's tags, so rule-based groups pick them up."
        ),
    )
    promise_zh = models.TextField(
        _("what the patient receives (Chinese)"),
        blank=True,
        help_text=_("Empty: described from the plan, or a general sentence."),
    )
    promise_en = models.TextField(_("what the patient receives (English)"), blank=True)
    frequency_zh = models.CharField(
        _("how often (Chinese)"), max_length=120, blank=True, help_text=_("e.g. 每周约1–2条")
    )
    frequency_en = models.CharField(_("how often (English)"), max_length=120, blank=True)
    welcome_article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("welcome article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Sent right after joining. Empty: the doctor's first published article."),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    scans = models.PositiveIntegerField(_("scans"), default=0, editable=False)
    joins = models.PositiveIntegerField(_("joins"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()
    base_form_class = InvitationForm
    panels = [
        FieldPanel("doctor"),
        FieldPanel("name"),
        FieldPanel("group"),
        FieldPanel("plan"),
        FieldPanel("keywords"),
        MultiFieldPanel(
            [
                FieldPanel("promise_zh"),
                FieldPanel("promise_en"),
                FieldPanel("frequency_zh"),
                FieldPanel("frequency_en"),
                FieldPanel("welcome_article"),
            ],
            heading=_("What the patient is told"),
        ),
        MultiFieldPanel([FieldPanel("expires_at"), FieldPanel("revoked_at")], heading=_("Validity")),
    ]

    class Meta:
        verbose_name = _("invitation code")
        verbose_name_plural = _("invitation codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.doctor.name})"

    def clean(self) -> None:
        super().clean()
        if len(self.keyword_list()) > 20:
            raise ValidationError({"keywords": _("Offer at most 20 conditions.")})

    def keyword_list(self) -> list[str]:
        return split_tag_list(self.keywords)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def state_label(self) -> str:
        return {"revoked": _("Revoked"), "expired": _("Expired"), "active": _("Active")}[self.state]

    state_label.short_description = _("state")

    @property
    def is_usable(self) -> bool:
        return self.state == "active"

    def revoke(self) -> None:
        Invitation.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.refresh_from_db(fields=["revoked_at"])

    def join_path(self) -> str:
        return reverse("joining:join", kwargs={"token": self.token})

    @property
    def join_url(self) -> str:
        return settings.KEPU_PUBLIC_BASE_URL.rstrip("/") + self.join_path()

    def count_scan(self) -> None:
        Invitation.objects.filter(pk=self.pk).update(scans=F("scans") + 1)

    def count_join(self) -> None:
        Invitation.objects.filter(pk=self.pk).update(joins=F("joins") + 1)

    def promise_for(self, language: str) -> str:
        if language_family(language) == "zh":
            return self.promise_zh or self.promise_en
        return self.promise_en or self.promise_zh

    def frequency_for(self, language: str) -> str:
        if language_family(language) == "zh":
            return self.frequency_zh or self.frequency_en
        return self.frequency_en or self.frequency_zh


class JoinConsent(models.Model):
    """The consent a patient gave on the join page: which text version, when, through which code."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="join_consents")
    invitation = models.ForeignKey(Invitation, null=True, on_delete=models.SET_NULL, related_name="consents")
    channel = models.CharField(max_length=16, choices=CHANNEL_CHOICES)
    text_version = models.CharField(_("consent text version"), max_length=20)
    language = models.CharField(max_length=10)
    health_data_consent = models.BooleanField(_("separate consent to health information"), default=False)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        verbose_name = _("join consent")
        verbose_name_plural = _("join consents")
        ordering = ["-given_at"]

    def __str__(self):
        return f"{self.text_version} {self.given_at:%Y-%m-%d %H:%M}"


class Erasure(models.Model):
    """That a patient's contact data was erased at their request: who for and when, never what."""

    doctor = models.ForeignKey("doctors.DoctorProfile", null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=16, choices=CHANNEL_CHOICES)
    patient_removed = models.BooleanField(
        default=False, help_text=_("The patient had no other contact and was removed.")
    )
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at"]

    def __str__(self):
        return f"{self.channel} {self.erased_at:%Y-%m-%d %H:%M}"
