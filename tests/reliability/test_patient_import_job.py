"""Patient CSV import as a background job: progress, short write transactions, a result page, an error report."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.core.models import PendingTask
from distribution.patients.csv_import import import_patients_csv
from distribution.patients.imports import run_import
from distribution.patients.models import ContactPoint, Patient, PatientImport
from tests.admin_language import admin_text

pytestmark = pytest.mark.django_db


def _csv(rows: int, *, bad_every: int = 0) -> bytes:
    lines = ["姓名,手机号,标签,同意短信"]
    for i in range(rows):
        phone = "12345" if bad_every and i % bad_every == 0 else f"+86139{i:08d}"
        lines.append(f"患者{i},{phone},术后,是")
    return "\n".join(lines).encode("utf-8")


def test_an_upload_becomes_a_job_with_a_result_page_and_a_downloadable_error_report(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people["doctor_a"])
    upload = SimpleUploadedFile("随访名单.csv", _csv(60, bad_every=20), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the worker picks the job up after the commit
        response = client.post(reverse("patients_import_csv"), {"file": upload, "skip_invalid": "on"})
    job = PatientImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("patients_import_result", args=[job.pk])
    assert job.state == PatientImport.DONE and job.imported and job.data in (b"", memoryview(b""))  # upload dropped
    assert Patient.objects.filter(doctor=people["doctor_a"].doctor_profile).count() == 57

    page = client.get(response["Location"]).content.decode()
    summary = admin_text(
        "Imported %(rows)d row(s): %(created)d new patient(s), %(updated)d updated, "
        "%(merged)d duplicate row(s) merged.",
        rows=57,
        created=57,
        updated=0,
        merged=0,
    )
    assert summary in page
    assert admin_text("not a mainland China mobile number (11 digits starting with 13–19, optional +86)") in page
    assert "12345" not in page  # never a patient's value
    report = client.get(reverse("patients_import_errors", args=[job.pk]))
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["line", "column", "problem"] and [row[0] for row in rows[1:]] == ["2", "22", "42"]

    client.force_login(people["doctor_b"])  # another doctor sees neither the page nor the report
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("patients_import_errors", args=[job.pk])).status_code == 404


def test_writes_are_committed_in_chunks_with_progress(people):
    doctor = people["doctor_a"].doctor_profile
    seen: list[tuple[int, int]] = []
    with CaptureQueriesContext(connection) as queries:
        report = import_patients_csv(
            doctor, _csv(120), chunk_size=50, progress=lambda done, total: seen.append((done, total))
        )
    assert report.imported and report.created == 120
    assert seen == [(50, 120), (100, 120), (120, 120)]
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith(("SAVEPOINT", "BEGIN"))]
    assert len(savepoints) >= 3  # one transaction per chunk, never one for the whole file
    assert ContactPoint.objects.filter(patient__doctor=doctor).count() == 120


def test_invalid_rows_without_skip_write_nothing_even_in_chunks(people):
    doctor = people["doctor_a"].doctor_profile
    report = import_patients_csv(doctor, _csv(120, bad_every=110), chunk_size=50)
    assert not report.imported and Patient.objects.count() == 0


def test_importing_the_same_file_again_updates_instead_of_duplicating(people):
    doctor = people["doctor_a"].doctor_profile
    import_patients_csv(doctor, _csv(30), chunk_size=10)
    again = import_patients_csv(doctor, _csv(30), chunk_size=10)
    assert again.updated == 30 and Patient.objects.count() == 30


def test_with_the_broker_down_the_import_waits_in_the_outbox_and_runs_when_it_is_back(
    client, people, broker_down, broker_back, django_capture_on_commit_callbacks
):
    from cms.core.outbox import flush_outbox

    client.force_login(people["doctor_a"])
    upload = SimpleUploadedFile("p.csv", _csv(5), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("patients_import_csv"), {"file": upload})
    assert response.status_code == 302
    job = PatientImport.objects.get()
    assert job.state == PatientImport.QUEUED
    assert PendingTask.objects.get().task_name == "distribution.patients.tasks.import_patients"
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page  # the page follows the job
    broker_back()
    assert flush_outbox() == (1, 0)
    job.refresh_from_db()
    assert job.state == PatientImport.DONE and Patient.objects.count() == 5
    assert run_import(job.pk) is None  # a second delivery of the task does nothing
