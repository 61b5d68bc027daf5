"""Render jobs and the files they produce.

A :class:`MediaRender` is one attempt-able job: make one *kind* of media
(narration, a video in one orientation, the share images) from one article
*revision*. Outputs are tied to the revision they were made from, so the
public site can show exactly the media of the approved (live) revision and
never media made from a draft.

At most one render per (revision, kind) is queued or running at any time: a
partial unique constraint makes creating the job the claim, so two triggers
(publish signal, admin button, command) cannot render the same thing twice.
"""

from __future__ import annotations

import logging
import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from media_pipeline.speech.readings import LexiconError, PronunciationLexicon, normalize_pinyin

logger = logging.getLogger(__name__)


class RenderKind(models.TextChoices):
    VOICE = "voice", _("Narration (MP3 + captions)")
    VIDEO_PORTRAIT = "video_portrait", _("Video, portrait 1080×1920")
    VIDEO_LANDSCAPE = "video_landscape", _("Video, landscape 1920×1080")
    IMAGES = "images", _("Share images (cover + poster)")


VIDEO_KINDS = (RenderKind.VIDEO_PORTRAIT, RenderKind.VIDEO_LANDSCAPE)


class RenderStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (RenderStatus.QUEUED, RenderStatus.RUNNING)
FINISHED_STATUSES = (RenderStatus.SUCCEEDED, RenderStatus.FAILED, RenderStatus.CANCELLED)


class FailureKind(models.TextChoices):
    """Why a render failed, so the admin can tell configuration problems from outages."""

    NONE = "", _("—")
    VOICE = "voice", _("Voice or language not available")
    ENGINE = "engine", _("Text-to-speech engine down")
    FFMPEG = "ffmpeg", _("ffmpeg failed")
    FONT = "font", _("Font missing")
    INPUT = "input", _("Article cannot be rendered")
    DEPENDENCY = "dependency", _("Narration render failed")
    WORKER = "worker", _("Worker lost")
    INTERNAL = "internal", _("Internal error")


class MediaRender(models.Model):
    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="media_renders"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name=_("revision"), on_delete=models.CASCADE, related_name="media_renders"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RenderKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RenderStatus.choices, default=RenderStatus.QUEUED, db_index=True
    )
    #: the narration a video is cut to (the voice render of the same revision)
    narration = models.ForeignKey(
        "self",
        verbose_name=_("narration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependents",
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    engine = models.CharField(_("TTS engine used"), max_length=40, blank=True)
    voice = models.CharField(_("voice used"), max_length=80, blank=True)
    error_kind = models.CharField(_("failure kind"), max_length=12, choices=FailureKind.choices, blank=True)
    error = models.TextField(_("failure reason"), blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    #: one entry per finished attempt: {"attempt", "status", "error_kind", "error", "finished_at"}
    attempt_log = models.JSONField(_("attempt history"), default=list, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    forced = models.BooleanField(_("forced re-render"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=20, blank=True, help_text=_("publish, admin or command"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    celery_task_id = models.CharField(_("Celery task id"), max_length=64, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)

    class Meta:
        verbose_name = _("media render")
        verbose_name_plural = _("media renders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "kind"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_render_per_revision_kind",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="render_progress_at_most_100"),
        ]
        indexes = [models.Index(fields=["article", "kind", "status"])]

    def __str__(self) -> str:
        return _("%(kind)s · article %(article)s, revision %(revision)s · %(status)s") % {
            "kind": self.get_kind_display(),
            "article": self.article_id,
            "revision": self.revision_id,
            "status": self.get_status_display(),
        }

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def can_retry(self) -> bool:
        return self.status in (RenderStatus.FAILED, RenderStatus.CANCELLED)

    @property
    def can_cancel(self) -> bool:
        return self.status in ACTIVE_STATUSES and not self.cancel_requested


class OutputRole(models.TextChoices):
    MP3 = "mp3", _("Narration MP3")
    VTT = "vtt", _("Captions (WebVTT)")
    SRT = "srt", _("Captions (SRT)")
    MP4 = "mp4", _("Video MP4 (clean, captions as a separate track)")
    MP4_CAPTIONED = "mp4_captioned", _("Video MP4 with burned-in captions (download, social)")
    POSTER = "poster", _("Video poster frame")
    COVER = "cover", _("Share cover 1200×630")
    POSTER_IMAGE = "poster_image", _("Share poster 1080×1920")


def output_upload_to(instance: MediaOutput, filename: str) -> str:
    """``media-renders/<article>/<revision>/<kind>/r<render>-<file>``: one folder per approved revision."""
    render = instance.render
    return posixpath.join(
        "media-renders",
        str(render.article_id),
        str(render.revision_id),
        render.kind,
        f"r{render.pk}-{posixpath.basename(filename)}",
    )


class MediaOutput(models.Model):
    render = models.ForeignKey(MediaRender, on_delete=models.CASCADE, related_name="outputs")
    role = models.CharField(_("role"), max_length=20, choices=OutputRole.choices)
    file = models.FileField(_("file"), upload_to=output_upload_to, max_length=300)
    mime_type = models.CharField(_("MIME type"), max_length=60)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("media output")
        verbose_name_plural = _("media outputs")
        constraints = [models.UniqueConstraint(fields=["render", "role"], name="one_output_per_render_role")]

    def __str__(self) -> str:
        return _("%(role)s of render %(render)s") % {"role": self.get_role_display(), "render": self.render_id}


_LEXICON_ERRORS = {
    "not_chinese": _("Write the term in Chinese characters only."),
    "count": _(
        "“%(term)s” has %(characters)d characters but the reading has %(syllables)d syllables: "
        "write one syllable per character."
    ),
    "tone": _("“%(syllable)s” needs a tone number from 1 to 4 (5 for the neutral tone), for example chong2."),
    "unknown": _("“%(syllable)s” is not a Mandarin syllable."),
}


class PronunciationEntry(models.Model):
    """How the narration reads a word: editors fix what the automatic reading gets wrong.

    Used by every engine that takes a reading (espeak-ng: as pinyin; Tencent
    Cloud: as SSML ``<phoneme>``). Longer terms win, so a context word (咯血
    kǎ xiě) overrides its character's general entry (血 xuè). Cached clips
    are keyed on the entries their text uses, so a change re-voices exactly
    the paragraphs that contain the term.
    """

    term = models.CharField(
        _("term"),
        max_length=20,
        unique=True,
        help_text=_("A word as it appears in articles, e.g. 重复, or a character in its context word, e.g. 咯血."),
    )
    pinyin = models.CharField(
        _("reading (pinyin)"),
        max_length=140,
        help_text=_(
            "One syllable per character with a tone number, separated by spaces, "
            "e.g. chong2 fu4 (5 for the neutral tone, v or ü for ü)."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Why, or where it applies."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("pronunciation")
        verbose_name_plural = _("pronunciations")
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} · {self.pinyin}"

    def clean(self) -> None:
        self.term = (self.term or "").strip()
        try:
            self.pinyin = " ".join(normalize_pinyin(self.term, self.pinyin or ""))
        except LexiconError as exc:
            field = "term" if exc.code == "not_chinese" else "pinyin"
            raise ValidationError({field: _LEXICON_ERRORS[exc.code] % exc.params}, code=exc.code) from exc

    @classmethod
    def lexicon(cls) -> PronunciationLexicon:
        """The current entries; a row that bypassed validation is skipped (and logged), never fatal to a render."""
        entries: dict[str, tuple[str, ...]] = {}
        for term, reading in cls.objects.values_list("term", "pinyin"):
            try:
                entries[term] = normalize_pinyin(term, reading)
            except LexiconError as exc:
                logger.warning("pronunciation entry %r skipped: %s", term, exc)
        return PronunciationLexicon(entries)
