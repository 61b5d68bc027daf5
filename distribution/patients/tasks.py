"""Celery tasks of the patients app: thin wrappers around :mod:`distribution.patients.imports`."""

from __future__ import annotations

from celery import shared_task

from . import imports


@shared_task(name="distribution.patients.tasks.import_patients", ignore_result=True, acks_late=True)
def import_patients(import_id: int) -> str:
    job = imports.run_import(import_id)
    return job.summary if job is not None else "skipped"
