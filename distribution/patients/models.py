"""Patients, their contact points per channel, and groups of patients.

A patient belongs to one doctor. Everything here is patient data: it never
goes into URLs (unsubscribe links carry a random token), logs or error
reports, and admin lists show addresses masked.
"""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TagBase, TaggedItemBase
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel

from cms.core.studio_setup import EDITORS
from cms.doctors.models import DoctorProfile
from distribution.channels import CHANNEL_KINDS, mask_address

from .contact_addresses import normalize_contact_address
from .encryption import EncryptedAddressField, blind_index, lookup_indexes

CHANNEL_CHOICES = [
    ("wechat", _("WeChat (openid)")),
    ("sms", _("SMS (mobile number)")),
    ("email", _("E-mail")),
    ("webhook", _("Hospital system (patient id)")),
]
if {kind for kind, _label in CHANNEL_CHOICES} != set(CHANNEL_KINDS):
    raise RuntimeError("CHANNEL_CHOICES must label exactly the channels of CHANNEL_KINDS")

UNSUBSCRIBE_TOKEN_BYTES = 18  # 144 bits: unguessable, and nothing about the patient in it


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(UNSUBSCRIBE_TOKEN_BYTES)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(value)s” is not a known time zone (e.g. Asia/Shanghai)."), params={"value": value}
        ) from None


def split_tag_list(text: str) -> list[str]:
    """Tags typed by people: comma, Chinese comma, enumeration comma, semicolon or slash separated."""
    for separator in ("，", "、", ";", "；", "/", "|"):
        text = text.replace(separator, ",")
    seen: dict[str, None] = {}
    for tag in text.split(","):
        tag = " ".join(tag.split())
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


class PatientTag(TagBase):
    """Diagnoses and keywords (术后, 高血压, 孕晚期); separate from article tags on purpose."""

    class Meta:
        verbose_name = _("patient tag")
        verbose_name_plural = _("patient tags")


class TaggedPatient(TaggedItemBase):
    tag = models.ForeignKey(PatientTag, on_delete=models.CASCADE, related_name="tagged_patients")
    content_object = ParentalKey("patients.Patient", on_delete=models.CASCADE, related_name="tagged_items")


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user) -> PatientQuerySet:
        """Doctors see their own patients; editors and superusers see everyone; others no one."""
        if can_see_all_patients(user):
            return self
        profile = doctor_profile_of(user)
        return self.filter(doctor=profile) if profile else self.none()

    def with_all_tags(self, tags: list[str]) -> PatientQuerySet:
        queryset = self
        for tag in tags:
            queryset = queryset.filter(pk__in=TaggedPatient.objects.filter(tag__name=tag).values("content_object_id"))
        return queryset

    def with_any_tag(self, tags: list[str]) -> PatientQuerySet:
        return self.filter(pk__in=TaggedPatient.objects.filter(tag__name__in=tags).values("content_object_id"))

    def without_tags(self, tags: list[str]) -> PatientQuerySet:
        return self.exclude(pk__in=TaggedPatient.objects.filter(tag__name__in=tags).values("content_object_id"))


# The operator role of distribution: patients, groups, campaigns, follow-up plans, channels, reports and
# shared links of every doctor, and nothing of articles (no editing, no approving). The group is created
# by ``setup_studio`` (see distribution.campaigns.apps) with admin access only.
DISTRIBUTORS = "分发人员"  # shown as it is in the admin, hence Chinese; earlier installs had "Distributors"
STAFF_GROUPS = (EDITORS, DISTRIBUTORS)


def _in_groups(user, names) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name__in=names).exists()


def can_see_all_patients(user) -> bool:
    """Superusers, Editors and Distributors manage every doctor's patients."""
    return _in_groups(user, STAFF_GROUPS)


def is_distributor(user) -> bool:
    return _in_groups(user, (DISTRIBUTORS,))


def can_manage_channels(user) -> bool:
    """Channel credentials: superusers and Distributors only (doctors and editors never see them)."""
    return _in_groups(user, (DISTRIBUTORS,))


def doctor_profile_of(user):
    return getattr(user, "doctor_profile", None) if user is not None and user.is_authenticated else None


class DoctorScopedForm(WagtailAdminModelForm):
    """Admin form that offers a doctor only their own profile and their own patients and groups."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None or can_see_all_patients(for_user):
            return
        profile = doctor_profile_of(for_user)
        if "doctor" in self.fields:
            self.fields["doctor"].queryset = DoctorProfile.objects.filter(pk=profile.pk if profile else None)
            self.fields["doctor"].required = True
            self.fields["doctor"].empty_label = None
            self.initial.setdefault("doctor", profile.pk if profile else None)
        for name, model in (("members", Patient), ("patient", Patient), ("groups", PatientGroup)):
            if name in self.fields:
                self.fields[name].queryset = model.objects.visible_to(for_user)


class Patient(ClusterableModel):
    doctor = models.ForeignKey(
        "doctors.DoctorProfile", verbose_name=_("doctor"), on_delete=models.PROTECT, related_name="patients"
    )
    display_name = models.CharField(_("display name"), max_length=100)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("IANA name, e.g. Asia/Shanghai; quiet hours and reminder times use it."),
    )
    enrolled_on = models.DateField(_("enrolment date"), default=timezone.localdate)
    tags = ClusterTaggableManager(
        through=TaggedPatient,
        blank=True,
        verbose_name=_("tags"),
        help_text=_("Diagnoses and keywords, e.g. 术后, 高血压, 孕晚期."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()
    base_form_class = DoctorScopedForm
    panels = [
        FieldPanel("doctor"),
        FieldPanel("display_name"),
        MultiFieldPanel(
            [FieldPanel("preferred_language"), FieldPanel("time_zone"), FieldPanel("enrolled_on"), FieldPanel("tags")],
            heading=_("Profile"),
        ),
        InlinePanel("contacts", heading=_("Contact points and consent"), label=_("contact point")),
    ]

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["display_name", "pk"]
        indexes = [models.Index(fields=["doctor", "enrolled_on"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_time(self, moment: datetime | None = None) -> datetime:
        return (moment or timezone.now()).astimezone(self.zone)

    def masked_contacts(self) -> str:
        """Contact points as admin lists show them: masked, never the full number or openid."""
        # The masked address is data, not wording: marked so that translation tools leave it alone.
        return (
            format_html_join(
                "; ",
                '{} <span translate="no">{}</span>',
                ((contact.get_channel_display(), contact.masked_address) for contact in self.contacts.all()),
            )
            or "—"
        )

    masked_contacts.short_description = _("contacts")

    def tag_list(self) -> str:
        return "、".join(sorted(tag.name for tag in self.tags.all())) or "—"

    tag_list.short_description = _("tags")


class ContactPointQuerySet(models.QuerySet):
    def with_address(self, channel: str, addresses) -> ContactPointQuerySet:
        """Contacts on ``channel`` whose (normalised) address is one of ``addresses``, found by blind index."""
        return self.filter(
            channel=channel, address_index__in=[index for a in addresses for index in lookup_indexes(channel, a)]
        )

    def reachable(self) -> ContactPointQuerySet:
        return self.filter(consent_at__isnull=False, unsubscribed_at__isnull=True, inactive_at__isnull=True)


class ContactPoint(models.Model):
    """One address of a patient on one channel, with the consent that allows using it."""

    patient = ParentalKey(Patient, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("channel"), max_length=16, choices=CHANNEL_CHOICES)
    address = EncryptedAddressField(
        _("address"),
        help_text=_("WeChat openid, mobile number (+86…), e-mail address or the hospital system's patient id."),
    )
    # Encrypted at rest; found by this keyed hash of (channel, address) instead (see encryption.py).
    address_index = models.CharField(max_length=64, db_index=True, editable=False, default="")
    consent_at = models.DateTimeField(
        _("consent given"), null=True, blank=True, help_text=_("Empty: no consent, nothing is sent on this channel.")
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    inactive_at = models.DateTimeField(_("inactive since"), null=True, blank=True)
    inactive_reason = models.CharField(_("why inactive"), max_length=200, blank=True)
    unsubscribe_token = models.CharField(max_length=32, unique=True, default=new_unsubscribe_token, editable=False)

    objects = ContactPointQuerySet.as_manager()
    panels = [
        FieldPanel("channel"),
        FieldPanel("address"),
        FieldPanel("consent_at"),
        FieldPanel("unsubscribed_at"),
        FieldPanel("inactive_at", read_only=True),
        FieldPanel("inactive_reason", read_only=True),
    ]

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [models.UniqueConstraint(fields=["patient", "channel"], name="one_contact_per_patient_channel")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.masked_address}"

    def save(self, *args, **kwargs):
        self.address_index = blind_index(self.channel, self.address) if self.address else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "address" in update_fields:
            kwargs["update_fields"] = {*update_fields, "address_index"}
        super().save(*args, **kwargs)

    @property
    def masked_address(self) -> str:
        return mask_address(self.channel, self.address)

    def clean(self) -> None:
        super().clean()
        if self.channel and self.address:
            try:
                self.address = normalize_contact_address(self.channel, self.address)
            except ValueError as exc:
                raise ValidationError({"address": str(exc)}) from None

    def skip_reason(self) -> str:
        """Why nothing may be sent to this contact now ('' when sending is allowed)."""
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        if self.consent_at is None:
            return "no consent"
        if self.inactive_at is not None:
            return "contact inactive"
        return ""

    def unsubscribe(self) -> bool:
        """Stop every later message on this channel; True when this call changed something."""
        updated = ContactPoint.objects.filter(pk=self.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        self.refresh_from_db(fields=["unsubscribed_at"])
        return bool(updated)

    def unsubscribe_url(self) -> str:
        from django.urls import reverse

        return settings.KEPU_PUBLIC_BASE_URL.rstrip("/") + reverse(
            "campaigns:unsubscribe", kwargs={"token": self.unsubscribe_token}
        )


class PatientGroupQuerySet(models.QuerySet):
    def visible_to(self, user) -> PatientGroupQuerySet:
        if can_see_all_patients(user):
            return self
        profile = doctor_profile_of(user)
        return self.filter(doctor=profile) if profile else self.none()


class PatientGroup(models.Model):
    """A static list of patients or a rule evaluated when a message is sent.

    Rules combine: all of ``required_tags`` AND at least one of ``any_tags``
    AND none of ``excluded_tags`` AND the language and enrolment-date limits.
    A group with a doctor only ever contains that doctor's patients.
    """

    STATIC = "static"
    RULE = "rule"
    KIND_CHOICES = [(STATIC, _("Static list")), (RULE, _("Rule-based segment"))]

    doctor = models.ForeignKey(
        "doctors.DoctorProfile",
        verbose_name=_("doctor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="patient_groups",
        help_text=_("Empty: a studio-wide group (editors only)."),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=KIND_CHOICES, default=RULE)
    members = models.ManyToManyField(Patient, blank=True, related_name="static_groups", verbose_name=_("members"))
    required_tags = models.CharField(_("has all of these tags"), max_length=300, blank=True)
    any_tags = models.CharField(_("has at least one of these tags"), max_length=300, blank=True)
    excluded_tags = models.CharField(_("has none of these tags"), max_length=300, blank=True)
    languages = models.CharField(
        _("languages"),
        max_length=60,
        blank=True,
        help_text=_("Comma-separated language codes (zh-hans, en); empty for all."),
    )
    enrolled_from = models.DateField(_("enrolled on or after"), null=True, blank=True)
    enrolled_until = models.DateField(_("enrolled on or before"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientGroupQuerySet.as_manager()
    base_form_class = DoctorScopedForm
    panels = [
        FieldPanel("doctor"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("members"),
        MultiFieldPanel(
            [
                FieldPanel("required_tags"),
                FieldPanel("any_tags"),
                FieldPanel("excluded_tags"),
                FieldPanel("languages"),
                FieldPanel("enrolled_from"),
                FieldPanel("enrolled_until"),
            ],
            heading=_("Rules (rule-based segments)"),
        ),
    ]

    class Meta:
        verbose_name = _("patient group")
        verbose_name_plural = _("patient groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        known = {code for code, _label in settings.LANGUAGES}
        errors = {}
        unknown = [code for code in split_tag_list(self.languages) if code not in known]
        if unknown:
            errors["languages"] = _("Unknown language code(s): %s") % ", ".join(unknown)
        if self.enrolled_from and self.enrolled_until and self.enrolled_from > self.enrolled_until:
            errors["enrolled_until"] = _("The end date is before the start date.")
        if errors:
            raise ValidationError(errors)

    def member_count(self) -> int:
        return self.patients().count()

    member_count.short_description = _("members now")

    def patients(self) -> PatientQuerySet:
        """The group's members now, as a queryset (evaluated lazily, never loaded whole)."""
        if self.kind == self.STATIC:
            queryset = Patient.objects.filter(pk__in=self.members.values("pk"))
        else:
            queryset = Patient.objects.all()
            if self.required_tags:
                queryset = queryset.with_all_tags(split_tag_list(self.required_tags))
            if self.any_tags:
                queryset = queryset.with_any_tag(split_tag_list(self.any_tags))
            if self.languages:
                queryset = queryset.filter(preferred_language__in=split_tag_list(self.languages))
            if self.enrolled_from:
                queryset = queryset.filter(enrolled_on__gte=self.enrolled_from)
            if self.enrolled_until:
                queryset = queryset.filter(enrolled_on__lte=self.enrolled_until)
        if self.excluded_tags:
            queryset = queryset.without_tags(split_tag_list(self.excluded_tags))
        if self.doctor_id is not None:
            queryset = queryset.filter(doctor_id=self.doctor_id)
        return queryset


def patients_of_groups(groups) -> PatientQuerySet:
    """Everyone in any of ``groups``, each patient once."""
    condition = Q(pk__in=[])
    for group in groups:
        condition |= Q(pk__in=group.patients().values("pk"))
    return Patient.objects.filter(condition)


class PatientImport(models.Model):
    """One uploaded patient CSV, imported by a worker (a 50,000-row file outlasts any web request).

    The upload is kept only until the import has run. The error report names
    lines and columns, never a cell's value (values are patient data).
    """

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATE_CHOICES = [
        (QUEUED, _("Waiting for a worker")),
        (RUNNING, _("Importing")),
        (DONE, _("Finished")),
        (FAILED, _("Failed")),
    ]

    doctor = models.ForeignKey(
        "doctors.DoctorProfile", verbose_name=_("doctor"), on_delete=models.CASCADE, related_name="patient_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(editable=False)
    skip_invalid = models.BooleanField(default=False)
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    patients_total = models.PositiveIntegerField(default=0)
    patients_written = models.PositiveIntegerField(default=0)
    summary = models.CharField(_("result"), max_length=300, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    imported = models.BooleanField(default=False)
    errors = models.JSONField(default=list, blank=True)  # [[line, column, message], …]
    failure = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("patient import")
        verbose_name_plural = _("patient imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        if self.state == self.DONE:
            return 100
        return int(100 * self.patients_written / self.patients_total) if self.patients_total else 0

    @property
    def finished(self) -> bool:
        return self.state in (self.DONE, self.FAILED)
