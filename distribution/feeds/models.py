"""Partners who receive our articles by signed webhook, and the ledger of what was pushed to them.

Feeds themselves need no tables: they are rendered from live pages on request.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distribution.delivery.states import OPEN_STATES, DeliveryState

MIN_SECRET_LENGTH = 16  # WebhookConfig refuses shorter secrets


def new_partner_secret() -> str:
    return secrets.token_urlsafe(32)


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


class Partner(models.Model):
    """A system that mirrors our articles (hospital app, health portal) and is told about every change."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    endpoint_url = models.URLField(_("endpoint URL"), max_length=500)
    secret = models.CharField(
        _("shared secret"),
        max_length=200,
        default=new_partner_secret,
        help_text=_("Used to sign every request (HMAC-SHA256); give it to the partner over a secure channel."),
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated language codes, e.g. 'zh-hans, en'; empty for all languages."),
    )
    tags = models.CharField(
        _("tags"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated tags; the partner receives only articles with at least one. Empty for all."),
    )
    active = models.BooleanField(_("active"), default=True)
    allow_plain_http = models.BooleanField(
        _("allow plain HTTP"),
        default=False,
        help_text=_("Only for endpoints inside the hospital network."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        scheme = urlsplit(self.endpoint_url or "").scheme
        if scheme != "https" and not (scheme == "http" and self.allow_plain_http):
            errors["endpoint_url"] = _(
                "The endpoint must use https (or tick 'allow plain HTTP' for intranet endpoints)."
            )
        if len(self.secret or "") < MIN_SECRET_LENGTH:
            errors["secret"] = _("The secret must be at least %(n)d characters.") % {"n": MIN_SECRET_LENGTH}
        unknown = set(self.language_list) - {code for code, _name in settings.LANGUAGES}
        if unknown:
            errors["languages"] = _("Unknown language codes: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
        if errors:
            raise ValidationError(errors)

    @property
    def language_list(self) -> list[str]:
        return [code.lower() for code in _split_list(self.languages)]

    @property
    def tag_list(self) -> list[str]:
        return _split_list(self.tags)

    def wants(self, language: str, tags: list[str] | tuple[str, ...]) -> bool:
        """Whether an article in ``language`` with ``tags`` matches this partner's filters."""
        languages = self.language_list
        if languages and language.lower() not in languages:
            return False
        wanted = {tag.casefold() for tag in self.tag_list}
        return not wanted or any(tag.casefold() in wanted for tag in tags)


class PartnerEvent(models.TextChoices):
    PUBLISH = "publish", _("published")
    UPDATE = "update", _("updated")
    RETRACT = "retract", _("retracted")


class PartnerDeliveryQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def due(self, now=None):
        """Open deliveries whose next attempt (or expired sending lease) has come."""
        return self.open().filter(next_attempt_at__lte=now or timezone.now())


class PartnerDelivery(models.Model):
    """One event for one partner: sent, retried with backoff and recorded independently of every other.

    A ledger of the delivery engine (``distribution.delivery.ledger``): claimed under ``claim_token``,
    its lease ending at ``next_attempt_at`` while it is being sent.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("partner"))
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner_deliveries",
        verbose_name=_("article"),
    )
    article_key = models.PositiveIntegerField(
        _("article id"), db_index=True, help_text=_("Kept when the article is deleted.")
    )
    event = models.CharField(_("event"), max_length=10, choices=PartnerEvent.choices)
    revision_id = models.PositiveIntegerField(_("revision"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True, editable=False)
    payload = models.JSONField(
        _("payload"), help_text=_("What is sent, fixed when the event happens so retries are identical.")
    )
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_status = models.CharField(_("last answer"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.CharField(max_length=40, blank=True, editable=False)

    objects = PartnerDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("partner delivery")
        verbose_name_plural = _("partner deliveries")
        indexes = [
            models.Index(fields=["partner", "article_key", "-created_at"], name="feeds_delivery_partner_article")
        ]

    def __str__(self) -> str:
        return _("%(partner)s ← %(event)s, article %(article)s, revision %(revision)s") % {
            "partner": self.partner,
            "event": self.get_event_display(),
            "article": self.article_key,
            "revision": self.revision_id or "-",
        }
