"""Campaigns, follow-up plans and the delivery ledger.

Every message to a patient is a ``Delivery`` row written *before* anything
is sent, unique per (step, patient, channel): the database, not the worker,
guarantees that a campaign step reaches each contact at most once, and the
row's state records what happened to it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel

from cms.core.languages import language_family
from cms.core.publication import approved_pages
from cms.encyclopedia.models import EncyclopediaEntry
from distribution.delivery.states import DeliveryState
from distribution.patients.models import CHANNEL_CHOICES, DoctorScopedForm, can_see_all_patients, doctor_profile_of

from .forms import ChannelChoiceForm


class DoctorScopedQuerySet(models.QuerySet):
    """Rows a user may see in the admin: a doctor's own (through ``doctor_path``), everything for editors."""

    doctor_path = "doctor"
    shared_when_doctor_is_null = False

    def visible_to(self, user):
        if can_see_all_patients(user):
            return self
        profile = doctor_profile_of(user)
        if profile is None:
            return self.none()
        condition = models.Q(**{self.doctor_path: profile})
        if self.shared_when_doctor_is_null:
            condition |= models.Q(**{f"{self.doctor_path}__isnull": True})
        return self.filter(condition)


class CampaignQuerySet(DoctorScopedQuerySet):
    pass


class FollowUpPlanQuerySet(DoctorScopedQuerySet):
    shared_when_doctor_is_null = True  # the studio's templates


class EnrolmentQuerySet(DoctorScopedQuerySet):
    doctor_path = "patient__doctor"


class DeliveryQuerySet(DoctorScopedQuerySet):
    doctor_path = "patient__doctor"


CHANNEL_KEYS = [kind for kind, _label in CHANNEL_CHOICES]


def validate_channel_list(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one channel."))
    unknown = [item for item in value if item not in CHANNEL_KEYS]
    if unknown:
        raise ValidationError(_("Unknown channel(s): %s") % ", ".join(map(str, unknown)))


class QuietHours(models.Model):
    """Abstract: a nightly window (in the patient's own time zone) in which nothing is sent."""

    quiet_start = models.TimeField(
        _("quiet hours start"),
        null=True,
        blank=True,
        default=time(21, 0),
        help_text=_("Local time of the patient; empty start or end disables quiet hours."),
    )
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True, default=time(8, 0))

    class Meta:
        abstract = True

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return None
        return (self.quiet_start, self.quiet_end)


def campaign_audience_key(campaign_id: int) -> str:
    """Who a campaign's share links count reads for (also computed from a bare id by the ledger)."""
    return f"campaign:{campaign_id}"


class Campaign(QuietHours):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    COMPLETED = "completed"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FAILED = "failed"
    STATE_CHOICES = [
        (DRAFT, _("Draft")),
        (SCHEDULED, _("Scheduled")),
        (SENDING, _("Sending")),
        (COMPLETED, _("Completed")),
        (PAUSED, _("Paused")),
        (CANCELLED, _("Cancelled")),
        (FAILED, _("Could not be sent")),
    ]
    # States from which "Send now" (re)starts the campaign; rows already written are never written twice.
    STARTABLE_STATES = (DRAFT, SCHEDULED, PAUSED, FAILED)

    name = models.CharField(_("name"), max_length=150)
    doctor = models.ForeignKey(
        "doctors.DoctorProfile",
        verbose_name=_("doctor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("article"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("A published article; each patient gets its translation in their language when there is one."),
    )
    groups = models.ManyToManyField("patients.PatientGroup", verbose_name=_("patient groups"), related_name="campaigns")
    channels = models.JSONField(
        _("channels"),
        default=list,
        validators=[validate_channel_list],
        help_text=_("Each patient gets the message on the channels they agreed to among these."),
    )
    scheduled_at = models.DateTimeField(
        _("send at"), null=True, blank=True, help_text=_("Empty: as soon as it is started.")
    )
    state = models.CharField(_("state"), max_length=12, choices=STATE_CHOICES, default=DRAFT)
    state_reason = models.CharField(_("state reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignQuerySet.as_manager()
    base_form_class = ChannelChoiceForm
    panels = [
        FieldPanel("name"),
        FieldPanel("doctor"),
        FieldPanel("article"),
        FieldPanel("groups"),
        FieldPanel("channels"),
        FieldPanel("scheduled_at"),
        MultiFieldPanel([FieldPanel("quiet_start"), FieldPanel("quiet_end")], heading=_("Quiet hours")),
    ]

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def step_key(self) -> str:
        return f"campaign:{self.pk}"

    @property
    def audience_key(self) -> str:
        return campaign_audience_key(self.pk)


class FollowUpPlan(ClusterableModel, QuietHours):
    """A template of steps at day offsets from the start of a patient's follow-up (院外管理计划)."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    doctor = models.ForeignKey(
        "doctors.DoctorProfile",
        verbose_name=_("doctor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followup_plans",
        help_text=_("Empty: a studio template every doctor may use."),
    )
    channels = models.JSONField(
        _("channels"),
        default=list,
        validators=[validate_channel_list],
        help_text=_("Channels the steps are sent over (each patient's consented ones among them)."),
    )
    icd10_codes = models.CharField(
        _("ICD-10 codes"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated, e.g. I10: the reminder pages link to the encyclopedia entries of these codes."),
    )
    guideline = models.CharField(
        _("guideline followed"),
        max_length=300,
        blank=True,
        help_text=_("The Chinese guideline or consensus the steps follow."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpPlanQuerySet.as_manager()
    base_form_class = ChannelChoiceForm
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("doctor"),
        FieldPanel("description"),
        FieldPanel("icd10_codes"),
        FieldPanel("guideline"),
        FieldPanel("channels"),
        MultiFieldPanel([FieldPanel("quiet_start"), FieldPanel("quiet_end")], heading=_("Quiet hours")),
        InlinePanel("steps", heading=_("Steps"), label=_("step")),
    ]

    class Meta:
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def audience_key(self) -> str:
        return f"followup:{self.pk}"

    def codes(self) -> list[str]:
        return [code.strip().upper() for code in self.icd10_codes.split(",") if code.strip()]

    def encyclopedia_entries(self, language: str = "zh-hans") -> list:
        """Live encyclopedia entries in ``language`` filed under one of the plan's ICD-10 codes
        (a code covers its subdivisions: I10 matches I10 and I10.x)."""
        codes = self.codes()
        if not codes:
            return []
        condition = models.Q(pk__in=[])
        for code in codes:
            condition |= models.Q(icd10_codes__icontains=code)
        entries = approved_pages(EncyclopediaEntry.objects).filter(condition)
        if language:
            entries = entries.filter(locale__language_code=language)

        def covered(entry) -> bool:
            return any(
                own.upper() == code or own.upper().startswith(f"{code}.") for own in entry.code_list for code in codes
            )

        return [entry for entry in entries.order_by("title")[:50] if covered(entry)]


class FollowUpStep(models.Model):
    ARTICLE = "article"
    EDUCATION = "education"
    REMINDER = "reminder"
    MEDICATION = "medication"
    KIND_CHOICES = [
        (ARTICLE, _("Article")),
        (EDUCATION, _("Health education")),
        (REMINDER, _("Reminder")),
        (MEDICATION, _("Medication reminder")),
    ]

    plan = ParentalKey(FollowUpPlan, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=12, choices=KIND_CHOICES, default=REMINDER)
    day_offset = models.PositiveIntegerField(
        _("day"), help_text=_("Days after the start of the follow-up (0 = the first day).")
    )
    repeat_until_day = models.PositiveIntegerField(
        _("repeat daily until day"),
        null=True,
        blank=True,
        help_text=_("For daily reminders: the last day (inclusive)."),
    )
    send_time = models.TimeField(_("local send time"), default=time(9, 0))
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("article"),
    )
    article_tag = models.CharField(
        _("or newest article tagged"),
        max_length=100,
        blank=True,
        help_text=_("Used when no article is chosen: the newest published article with this tag."),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=120, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    respect_quiet_hours = models.BooleanField(
        _("respect quiet hours"),
        default=True,
        help_text=_("Off for medication reminders set at a time agreed with the patient."),
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    panels = [
        FieldPanel("kind"),
        FieldPanel("day_offset"),
        FieldPanel("repeat_until_day"),
        FieldPanel("send_time"),
        FieldPanel("article"),
        FieldPanel("article_tag"),
        FieldPanel("title_zh"),
        FieldPanel("title_en", widget=forms.TextInput(attrs={"lang": "en"})),  # English wording, for screen readers
        FieldPanel("text_zh"),
        FieldPanel("text_en", widget=forms.Textarea(attrs={"lang": "en"})),
        FieldPanel("respect_quiet_hours"),
    ]

    class Meta:
        verbose_name = _("follow-up step")
        verbose_name_plural = _("follow-up steps")
        ordering = ["plan", "day_offset", "send_time", "pk"]

    def __str__(self) -> str:
        return _("%(plan)s: day %(day)s %(title)s") % {
            "plan": self.plan,
            "day": self.day_offset,
            "title": self.title_zh or self.title_en or self.article_tag,
        }

    def clean(self) -> None:
        super().clean()
        if self.repeat_until_day is not None and self.repeat_until_day < self.day_offset:
            raise ValidationError({"repeat_until_day": _("Must not be before the step's day.")})
        if self.kind == self.ARTICLE and not (self.article_id or self.article_tag):
            raise ValidationError({"article": _("Choose an article or an article tag.")})
        if self.kind != self.ARTICLE and not (self.title_zh or self.title_en):
            raise ValidationError({"title_zh": _("A reminder needs a title.")})

    def days(self) -> range:
        return range(self.day_offset, (self.repeat_until_day or self.day_offset) + 1)

    def title_for(self, language: str) -> str:
        if language_family(language) == "zh":
            return self.title_zh or self.title_en
        return self.title_en or self.title_zh

    def text_for(self, language: str) -> str:
        if language_family(language) == "zh":
            return self.text_zh or self.text_en
        return self.text_en or self.text_zh


class FollowUpEnrolment(models.Model):
    """A plan attached to one patient by their doctor.

    Paused and ended enrolments get no new steps. Steps that fell due while
    an enrolment was paused are not sent on resuming (``resumed_at``): a
    reminder for last Tuesday's check-up would only confuse.
    """

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"
    STATUS_CHOICES = [(ACTIVE, _("Active")), (PAUSED, _("Paused")), (ENDED, _("Ended"))]

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("plan"))
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="followups", verbose_name=_("patient")
    )
    starts_on = models.DateField(_("day 0"), help_text=_("Usually the enrolment or surgery date."))
    attached_at = models.DateTimeField(default=timezone.now, editable=False)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=STATUS_CHOICES, default=ACTIVE)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True, editable=False)
    resumed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EnrolmentQuerySet.as_manager()
    base_form_class = DoctorScopedForm
    panels = [FieldPanel("plan"), FieldPanel("patient"), FieldPanel("starts_on")]

    class Meta:
        verbose_name = _("follow-up enrolment")
        verbose_name_plural = _("follow-up enrolments")
        constraints = [models.UniqueConstraint(fields=["plan", "patient"], name="one_enrolment_per_plan_patient")]

    def __str__(self) -> str:
        return f"{self.plan} #{self.pk}"

    def step_key(self, step: FollowUpStep, day: date) -> str:
        return f"followup:{self.pk}:{step.pk}:{day.isoformat()}"

    @property
    def active(self) -> bool:
        return self.status == self.ACTIVE

    @property
    def sends_from(self) -> datetime:
        """Occurrences due before this moment are never sent (before enrolment, or during a pause)."""
        return max(self.attached_at, self.resumed_at or self.attached_at)

    def change_status(self, status: str, *, now: datetime | None = None) -> bool:
        """Pause, resume or end; returns False when nothing changed (ended is final)."""
        now = now or timezone.now()
        if status == self.status or self.status == self.ENDED or status not in dict(self.STATUS_CHOICES):
            return False
        updates = {"status": status, "status_changed_at": now}
        if status == self.ACTIVE:
            updates["resumed_at"] = now
        changed = FollowUpEnrolment.objects.filter(pk=self.pk, status=self.status).update(**updates)
        if changed:
            for name, value in updates.items():
                setattr(self, name, value)
        return bool(changed)


# Why a contact may not be messaged, as (ContactPoint field, skip when the field is NULL?, reason), checked
# in order: the same rules as ``ContactPoint.skip_reason``, in a form both Python and SQL (fan-out) evaluate.
CONTACT_SKIP_RULES: tuple[tuple[str, bool, str], ...] = (
    ("unsubscribed_at", False, "unsubscribed"),
    ("consent_at", True, "no consent"),
    ("inactive_at", False, "contact inactive"),
)


def contact_skip_reason(values: dict[str, object]) -> str:
    """``CONTACT_SKIP_RULES`` applied to a contact's loaded columns ('' when sending is allowed)."""
    for field_name, skip_when_null, reason in CONTACT_SKIP_RULES:
        if (values[field_name] is None) == skip_when_null:
            return reason
    return ""


SUCCESS_STATES = (DeliveryState.SENT, DeliveryState.DELIVERED)
RECEIPT_STATES = (DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.UNDELIVERED)  # a receipt may move these


class Delivery(models.Model):
    """One message to one patient on one channel for one campaign or follow-up step.

    ``key`` is the idempotency key handed to the channel (WeChat
    client_msg_id, e-mail Message-ID, webhook header, SMS SessionContext):
    every attempt of this row carries the same one, so a message re-sent after
    a crash between the provider's answer and our bookkeeping is recognisable
    as the same message by the receiver.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    step_key = models.CharField(max_length=100)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    enrolment = models.ForeignKey(
        FollowUpEnrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    step = models.ForeignKey(FollowUpStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(
        "patients.ContactPoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=CHANNEL_CHOICES)
    language = models.CharField(max_length=10, default="zh-hans")
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    reason = models.CharField(max_length=300, blank=True, help_text=_("Why it was skipped, failed or died."))
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    # The Celery task that claimed the row: when the broker hands that task's message out again, its
    # worker died (acks_late), and the new run takes these rows back at once instead of after the lease.
    claimed_by = models.CharField(max_length=64, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the provider says the message reached the phone (or failed to): the receipt's own time.
    receipt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["step_key", "patient", "channel"], name="one_delivery_per_step_patient_channel"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["claim_token"], name="delivery_claim_idx"),
            models.Index(fields=["campaign", "state"], name="delivery_campaign_state_idx"),
            models.Index(fields=["channel", "provider_message_id"], name="delivery_provider_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step_key} → {self.channel} ({self.state})"

    def masked_address(self) -> str:
        return self.contact.masked_address if self.contact else "—"

    masked_address.short_description = _("to")

    @property
    def idempotency_key(self) -> str:
        return self.key.hex


def next_allowed_moment(moment: datetime, zone, quiet_hours: tuple[time, time] | None) -> datetime:
    """``moment``, or the end of the quiet hours it falls into, in the patient's time zone."""
    if quiet_hours is None:
        return moment
    start, end = quiet_hours
    local = moment.astimezone(zone)
    clock = local.time()
    if start > end:  # the window spans midnight, e.g. 21:00–08:00
        if clock >= start:
            target_day = local.date() + timedelta(days=1)
        elif clock < end:
            target_day = local.date()
        else:
            return moment
    elif start <= clock < end:  # e.g. 12:00–14:00
        target_day = local.date()
    else:
        return moment
    return datetime.combine(target_day, end, tzinfo=zone).astimezone(moment.tzinfo)


from .channel_settings import ChannelSettings  # noqa: E402,F401 - a model of this app


class DeliveryReceipt(models.Model):
    """A provider's report on a message it accepted (WeChat event push, SMS status report), kept until applied.

    Receipts can come before the send's outcome is written (the provider is faster than our commit), twice,
    or for a message the studio does not know; they are kept per (channel, provider id), the newest report
    winning, and applied to the ledger row once it carries that id (``distribution.campaigns.receipts``).
    """

    channel = models.CharField(max_length=16)
    provider_message_id = models.CharField(max_length=200)
    delivered = models.BooleanField()
    status = models.CharField(max_length=64, blank=True)  # the provider's own code (DELIVRD, failed:user block…)
    reason = models.CharField(max_length=300, blank=True)
    reported_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"], name="one_receipt_per_message")
        ]
        indexes = [models.Index(fields=["applied_at", "received_at"], name="receipt_pending_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.provider_message_id}: {self.status}"


class WeChatMassSend(models.Model):
    """A campaign's article sent to every follower carrying a tag of the service account (群发, four a month).

    WeChat sends it to the tag itself, not per patient, so it has one row here instead of ledger rows; its
    ``clientmsgid`` is derived from (campaign, tag) so a repeated start is the same job on WeChat's side.
    """

    SUBMITTED, FINISHED, FAILED = "submitted", "finished", "failed"
    STATE_CHOICES = [(SUBMITTED, _("Submitted to WeChat")), (FINISHED, _("Finished")), (FAILED, _("Failed"))]

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="wechat_mass_sends", verbose_name=_("campaign")
    )
    tag_id = models.PositiveIntegerField(_("WeChat tag ID"))
    msg_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=SUBMITTED)
    status = models.CharField(max_length=64, blank=True)  # MASSSENDJOBFINISH Status: sendsuccess, sendfail, err(…)
    total_count = models.PositiveIntegerField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(null=True, blank=True)
    error_count = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("WeChat mass send")
        verbose_name_plural = _("WeChat mass sends")
        constraints = [models.UniqueConstraint(fields=["campaign", "tag_id"], name="one_mass_send_per_campaign_tag")]

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} → tag {self.tag_id} ({self.state})"

    @property
    def clientmsgid(self) -> str:
        return f"kepu-campaign-{self.campaign_id}-tag-{self.tag_id}"
