"""Running an uploaded patient CSV as a background job: claim, import with progress, record the result.

Plain functions over :class:`~distribution.patients.models.PatientImport`; the
Celery task and the admin views call them.
"""

from __future__ import annotations

import csv
import io
import logging

from django.utils import timezone, translation

from .csv_import import CsvFileError, import_patients_csv
from .models import PatientImport

logger = logging.getLogger(__name__)


def run_import(import_id: int) -> PatientImport | None:
    """Import one queued upload; None when it is not queued (taken, finished, or gone)."""
    if not PatientImport.objects.filter(pk=import_id, state=PatientImport.QUEUED).update(
        state=PatientImport.RUNNING,
        started_at=timezone.now(),
        patients_written=0,
    ):
        logger.info("patient import %s is not queued; skipping", import_id)
        return None
    job = PatientImport.objects.select_related("doctor").get(pk=import_id)

    def progress(written: int, total: int) -> None:
        PatientImport.objects.filter(pk=job.pk).update(patients_written=written, patients_total=total)

    try:
        # The result is written in the language of the person who uploaded the file.
        with translation.override(_language_of(job.uploaded_by)):
            report = import_patients_csv(job.doctor, bytes(job.data), skip_invalid=job.skip_invalid, progress=progress)
            summary = report.summary()[:300]
            errors = [[error.line, error.column_label, error.message] for error in report.errors]
    except CsvFileError as exc:
        _finish(job, PatientImport.DONE, summary=f"nothing imported: {exc}"[:300], errors=[[0, "", str(exc)]])
        return PatientImport.objects.get(pk=job.pk)
    except Exception as exc:  # recorded for the person who uploaded it; the upload is kept for a retry
        logger.exception("patient import %s failed", job.pk)
        PatientImport.objects.filter(pk=job.pk).update(
            state=PatientImport.FAILED, failure=f"{type(exc).__name__}: {exc}"[:300], finished_at=timezone.now()
        )
        return PatientImport.objects.get(pk=job.pk)
    _finish(
        job,
        PatientImport.DONE,
        summary=summary,
        encoding=report.encoding,
        imported=report.imported,
        rows_total=report.rows,
        errors=errors,
    )
    return PatientImport.objects.get(pk=job.pk)


def _language_of(user) -> str:
    from django.conf import settings

    profile = getattr(user, "wagtail_userprofile", None) if user is not None else None
    return (profile.get_preferred_language() if profile is not None else None) or settings.LANGUAGE_CODE


def _finish(job: PatientImport, state: str, **fields) -> None:
    PatientImport.objects.filter(pk=job.pk).update(state=state, finished_at=timezone.now(), data=b"", **fields)


def requeue(job: PatientImport) -> bool:
    """A failed import (or one whose worker was lost) may run again: importing is idempotent."""
    return bool(
        PatientImport.objects.filter(pk=job.pk, state__in=[PatientImport.FAILED, PatientImport.RUNNING])
        .exclude(data=b"")
        .update(state=PatientImport.QUEUED, failure="")
    )


def error_report_csv(job: PatientImport) -> str:
    """The problems as CSV (line, column, problem), for Excel: UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(["line", "column", "problem"])
    for line, column, message in job.errors:
        writer.writerow([line, column, message])
    return buffer.getvalue()
