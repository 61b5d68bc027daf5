"""Running the checks on a stored revision and keeping the report with it."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from wagtail.models import Revision

from cms.core.documents import revision_document

from .checks import run_checks
from .configuration import check_config, config_fingerprint
from .models.records import RevisionCheckReport

logger = logging.getLogger(__name__)


def check_revision(revision: Revision) -> RevisionCheckReport:
    """The report of ``revision`` under the current rules and settings, computed now if not stored yet.

    Idempotent: a second call with unchanged rules returns the stored row.
    """
    config = check_config()
    fingerprint = config_fingerprint(config)
    stored = RevisionCheckReport.objects.filter(revision=revision, fingerprint=fingerprint).first()
    if stored is not None:
        return stored
    report = run_checks(revision_document(revision), config)
    counts = report.counts()
    try:
        with transaction.atomic():
            return RevisionCheckReport.objects.create(
                revision=revision,
                verdict=report.verdict,
                error_count=counts["error"],
                warning_count=counts["warning"],
                info_count=counts["info"],
                report=report.to_dict(),
                ruleset_fingerprint=report.ruleset_fingerprint,
                fingerprint=fingerprint,
            )
    except IntegrityError:  # a worker and the approving request computed it at the same time
        return RevisionCheckReport.objects.get(revision=revision, fingerprint=fingerprint)


def latest_report(revision: Revision | None) -> RevisionCheckReport | None:
    """The most recent stored report of ``revision``, whatever rules produced it (for display)."""
    if revision is None:
        return None
    return RevisionCheckReport.objects.filter(revision=revision).order_by("-created_at", "-id").first()


def is_current(stored: RevisionCheckReport) -> bool:
    """Whether the stored report was made with today's rules and settings."""
    return stored.fingerprint == config_fingerprint(check_config())
