"""Celery tasks of the moderation workflow; thin wrappers around plain functions.

Beat schedule entry for scheduled publishing (add to ``CELERY_BEAT_SCHEDULE``)::

    "publish-scheduled-pages": {"task": "cms.moderation.tasks.publish_scheduled_pages", "schedule": 60.0}
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.management import call_command
from wagtail.models import Revision

from cms.core.documents import NoDocument
from cms.core.outbox import enqueue_on_commit

from .reports import check_revision

logger = logging.getLogger(__name__)


@shared_task(name="cms.moderation.tasks.check_revision", ignore_result=True)
def check_revision_task(revision_id: int) -> None:
    revision = Revision.objects.filter(pk=revision_id).first()
    if revision is None:  # deleted with its page before the worker got to it
        logger.info("revision %s no longer exists; nothing to check", revision_id)
        return
    try:
        check_revision(revision)
    except NoDocument as error:  # the workflow was attached to a page type without checkable text
        logger.info("revision %s not checked: %s", revision_id, error)


def schedule_revision_checks(revision_id: int | None, *, on_deferred=None) -> None:
    """Queue the checks once the revision is committed, so the worker can read it.

    With the broker down the checks wait in the outbox (``on_deferred`` tells the author); the
    revision is saved either way.
    """
    if revision_id is not None:
        enqueue_on_commit(check_revision_task, revision_id, on_deferred=on_deferred)


@shared_task(name="cms.moderation.tasks.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages() -> None:
    """Publish approved revisions whose go-live time has come, and unpublish expired pages."""
    call_command("publish_scheduled")
