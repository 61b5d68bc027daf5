"""Shared links: how patients reach an article without logging in, and what reading them adds up to.

A link carries only an unguessable token (128 bits of randomness): no
patient data, no article id, nothing to enumerate. It always shows the
article's latest *published* (approved) revision; it can be revoked at once
and may expire. ``audience_key`` ties a link to the campaign or patient group
it was made for, so reads can be counted per audience.

Reads are kept as daily counters per link (:class:`ReadStat`): no row per
visitor, no IP address, no user agent, no cookie. That is enough for a doctor
to see whether patients open, finish and listen to an article.
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_BYTES = 16  # 128 bits
#: what :func:`new_token` produces (22 characters) up to the column width; anything else is not a token
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,43}")
AUDIENCE_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_-]*:[A-Za-z0-9_-]{1,60}")


def new_token() -> str:
    """128 random bits, URL-safe; never starting with "-", which a command line would read as an option
    (``manage.py share_links revoke -Xy…`` failed for one token in 64)."""
    while (token := secrets.token_urlsafe(TOKEN_BYTES)).startswith("-"):
        pass
    return token


def is_token_shaped(value: str) -> bool:
    return bool(TOKEN_PATTERN.fullmatch(value or ""))


class ShareLinkQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class LinkState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ShareLink(models.Model):
    token = models.CharField(max_length=43, unique=True, default=new_token, editable=False)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="share_links")
    audience_key = models.CharField(
        _("audience"),
        max_length=80,
        blank=True,
        db_index=True,
        help_text=_(
            "What this link was made for, e.g. 'campaign:12' or 'group:3'; empty for the article's public link."
        ),
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("shared link")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "audience_key"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_link_per_article_audience",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.audience_key or _('public')}"

    def get_absolute_url(self) -> str:
        return reverse("sharing:read", kwargs={"token": self.token})

    @property
    def state(self) -> str:
        """Revoked or expired, whichever happened first; a link revoked after it expired reads 'expired'."""
        now = timezone.now()
        expired_at = self.expires_at if self.expires_at is not None and self.expires_at <= now else None
        if self.revoked_at is not None and (expired_at is None or self.revoked_at < expired_at):
            return LinkState.REVOKED
        if expired_at is not None:
            return LinkState.EXPIRED
        return LinkState.ACTIVE

    @property
    def state_label(self) -> str:
        return str(LinkState(self.state).label)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def public_url(self) -> str:
        return settings.KEPU_PUBLIC_BASE_URL.rstrip("/") + self.get_absolute_url()

    def revoke(self) -> None:
        """Stop the link at once: its stored pages go too (``signals``), readers get 410 Gone."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])  # the post_save handler drops the stored pages


class ActiveLinkExistsError(ValueError):
    """The article already has an active link for this audience (one per audience, so reads add up)."""


def _retire_expired(article, audience_key: str) -> None:
    """Expired links still hold the one-active-link slot; revoking them frees it and changes nothing for readers."""
    for link in ShareLink.objects.filter(
        article=article, audience_key=audience_key, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ):
        link.revoke()


def create_share_link(
    article,
    audience_key: str = "",
    *,
    label: str = "",
    expires_at: datetime.datetime | None = None,
    created_by=None,
    replace: bool = False,
) -> ShareLink:
    """A new link for ``article`` and ``audience_key``.

    Refuses when an active link for the same audience exists, unless ``replace``:
    then the old link is revoked (patients holding it get the friendly 410 page).
    """
    audience_key = audience_key.strip()
    if audience_key and not AUDIENCE_KEY_PATTERN.fullmatch(audience_key):
        raise ValueError(f"audience must look like 'campaign:12' or 'group:3', got {audience_key!r}")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("the expiry must be in the future")
    with transaction.atomic():
        _retire_expired(article, audience_key)
        current = ShareLink.objects.usable().filter(article=article, audience_key=audience_key).first()
        if current is not None:
            if not replace:
                raise ActiveLinkExistsError(
                    f"article {article.pk} already has an active link for {audience_key or 'the public'}"
                )
            current.revoke()
        return ShareLink.objects.create(
            article=article,
            audience_key=audience_key,
            label=label.strip(),
            expires_at=expires_at,
            created_by=created_by,
        )


def share_link_for(article, audience_key: str = "", *, created_by=None) -> ShareLink:
    """The active link of an article for an audience, made on first use."""
    link = ShareLink.objects.usable().filter(article=article, audience_key=audience_key).first()
    if link is not None:
        return link
    try:
        with transaction.atomic():
            _retire_expired(article, audience_key)
            return ShareLink.objects.create(article=article, audience_key=audience_key, created_by=created_by)
    except IntegrityError:  # another request made it first
        return ShareLink.objects.usable().get(article=article, audience_key=audience_key)


def public_share_url(article) -> str:
    """The article's public share link URL (used for QR codes on posters and video end cards)."""
    return share_link_for(article).public_url


class ReadEvent(models.TextChoices):
    """What the reading page reports; each is one counter column of :class:`ReadStat`."""

    VIEW = "view", _("Views")
    READ_TO_END = "read_end", _("Read to the end")
    AUDIO_PLAY = "audio_play", _("Audio plays")
    AUDIO_COMPLETE = "audio_complete", _("Audio listened to the end")
    VIDEO_PLAY = "video_play", _("Video plays")


#: event → ReadStat column
EVENT_COLUMNS = {
    ReadEvent.VIEW: "views",
    ReadEvent.READ_TO_END: "reads_to_end",
    ReadEvent.AUDIO_PLAY: "audio_plays",
    ReadEvent.AUDIO_COMPLETE: "audio_completions",
    ReadEvent.VIDEO_PLAY: "video_plays",
}


class ReadStat(models.Model):
    """One link's counters for one day (the studio's time zone). Article and audience are copied for cheap sums."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="read_stats")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="read_stats")
    audience_key = models.CharField(max_length=80, blank=True, db_index=True)
    day = models.DateField(_("day"), db_index=True)
    views = models.PositiveIntegerField(_("views"), default=0)
    reads_to_end = models.PositiveIntegerField(_("read to the end"), default=0)
    audio_plays = models.PositiveIntegerField(_("audio plays"), default=0)
    audio_completions = models.PositiveIntegerField(_("audio completions"), default=0)
    video_plays = models.PositiveIntegerField(_("video plays"), default=0)

    class Meta:
        verbose_name = _("daily read counts")
        verbose_name_plural = _("daily read counts")
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="one_read_stat_per_link_day")]
        indexes = [models.Index(fields=["article", "day"])]

    def __str__(self) -> str:
        return _("link %(link)s on %(day)s: %(views)s views") % {
            "link": self.link_id,
            "day": self.day,
            "views": self.views,
        }


class FlushedReadBatch(models.Model):
    """A batch of beacon counts already added to :class:`ReadStat` (see ``analytics.flush_pending_counts``).

    Written in the same transaction as the counts: a batch whose clean-up in Redis failed after the
    commit is recognised on the next flush and not added twice.
    """

    name = models.CharField(max_length=200, unique=True)
    flushed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("flushed batch of read counts")
        verbose_name_plural = _("flushed batches of read counts")

    def __str__(self) -> str:
        return self.name
