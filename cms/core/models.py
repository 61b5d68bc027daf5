"""The site's root pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class HomePage(Page):
    """The studio's public front page, one per language."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["encyclopedia.EncyclopediaIndexPage", "articles.ArticleIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")


class PendingTask(models.Model):
    """A Celery task that could not be handed to the broker (it was down), kept until it can be.

    Written by :func:`cms.core.outbox.enqueue` instead of failing the request
    that queued the work; :func:`cms.core.outbox.flush_outbox` (Celery beat,
    a worker starting, or ``manage.py flush_outbox``) sends it later with the
    same task id. Arguments are ids only, never patient data.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("first tried"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), auto_now_add=True)

    class Meta:
        verbose_name = _("task waiting for the broker")
        verbose_name_plural = _("tasks waiting for the broker")
        ordering = ["pk"]
        indexes = [models.Index(fields=["next_attempt_at"], name="pendingtask_due_idx")]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
