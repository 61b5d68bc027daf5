"""Shared links: how patients reach an article without logging in.

A link carries only an unguessable token (128 bits of randomness): no
patient data, no article id, nothing to enumerate. It always shows the
article's latest *published* (approved) revision; it can be revoked at once
and may expire. ``audience_key`` ties a link to the campaign or patient group
it was made for, so reads can be counted per audience.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_BYTES = 16  # 128 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class ShareLinkQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ShareLink(models.Model):
    token = models.CharField(max_length=43, unique=True, default=new_token, editable=False)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="share_links")
    audience_key = models.CharField(
        _("audience"), max_length=80, blank=True, db_index=True,
        help_text=_("What this link was made for, e.g. 'campaign:12' or 'group:3'; empty for the article's public link."),
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("shared link")
        constraints = [
            models.UniqueConstraint(fields=["article", "audience_key"], condition=models.Q(revoked_at__isnull=True),
                                    name="one_active_link_per_article_audience"),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.audience_key or 'public'}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def get_absolute_url(self) -> str:
        return reverse("sharing:read", kwargs={"token": self.token})

    @property
    def public_url(self) -> str:
        return settings.KEPU_PUBLIC_BASE_URL.rstrip("/") + self.get_absolute_url()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


def share_link_for(article, audience_key: str = "", *, created_by=None) -> ShareLink:
    """The active link of an article for an audience, made on first use."""
    link = ShareLink.objects.usable().filter(article=article, audience_key=audience_key).first()
    if link is None:
        link = ShareLink.objects.create(article=article, audience_key=audience_key, created_by=created_by)
    return link


def public_share_url(article) -> str:
    """The article's public share link URL (used for QR codes on posters and video end cards)."""
    return share_link_for(article).public_url
