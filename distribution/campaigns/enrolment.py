"""Enrolling many patients in a follow-up plan at once, and what each enrolment sends next.

Enrolment is idempotent: a patient already in the plan is counted, not
enrolled again (one row per plan and patient, enforced by the database).
A CSV selection names patients by a column the studio already knows —
the studio's patient number, or a contact address (hospital patient id,
mobile number, e-mail address, openid) — and every line that matches
nobody is reported by line number, never by its value.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.patients.contact_addresses import normalize_contact_address
from distribution.patients.models import ContactPoint, Patient

from .models import FollowUpEnrolment, FollowUpPlan, FollowUpStep

__all__ = ["EnrolmentReport", "SelectionError", "enrol_patients", "patients_from_csv", "upcoming_steps", "UpcomingStep"]

MAX_SELECTION_BYTES = 5 * 1024 * 1024
# Header -> how a cell finds a patient: "patient" is the studio's number, the others a contact channel.
SELECTION_COLUMNS = {
    "patient": "patient",
    "patient_id": "patient",
    "患者编号": "patient",
    "webhook": "webhook",
    "his_id": "webhook",
    "住院号": "webhook",
    "病案号": "webhook",
    "sms": "sms",
    "phone": "sms",
    "mobile": "sms",
    "手机": "sms",
    "手机号": "sms",
    "email": "email",
    "e-mail": "email",
    "邮箱": "email",
    "wechat": "wechat",
    "openid": "wechat",
}


class SelectionError(ValueError):
    """The CSV file cannot be read as a selection at all."""


@dataclass
class EnrolmentReport:
    enrolled: int = 0
    already: int = 0
    not_found_lines: list[int] = field(default_factory=list)

    def summary(self) -> str:
        text = _("%(enrolled)d patient(s) enrolled, %(already)d already in the plan.") % {
            "enrolled": self.enrolled,
            "already": self.already,
        }
        if self.not_found_lines:
            lines = ", ".join(map(str, self.not_found_lines[:20]))
            more = "…" if len(self.not_found_lines) > 20 else ""
            text += " " + _("No patient found for line(s) %(lines)s%(more)s.") % {"lines": lines, "more": more}
        return text


def enrol_patients(
    plan: FollowUpPlan, patients, *, starts_on: date, by=None, report: EnrolmentReport | None = None
) -> EnrolmentReport:
    """Enrol each of ``patients`` (once) with day 0 = ``starts_on``; existing enrolments stay as they are."""
    report = report or EnrolmentReport()
    patient_ids = list(
        Patient.objects.filter(pk__in=[p.pk if isinstance(p, Patient) else p for p in patients])
        .values_list("pk", flat=True)
        .distinct()
    )
    existing = set(
        FollowUpEnrolment.objects.filter(plan=plan, patient_id__in=patient_ids).values_list("patient_id", flat=True)
    )
    now = timezone.now()
    for patient_id in patient_ids:
        if patient_id in existing:
            report.already += 1
            continue
        try:
            with transaction.atomic():
                FollowUpEnrolment.objects.create(
                    plan=plan, patient_id=patient_id, starts_on=starts_on, attached_at=now, attached_by=by
                )
            report.enrolled += 1
        except IntegrityError:  # enrolled by someone else a moment ago
            report.already += 1
    return report


def patients_from_csv(data: bytes, visible_patients) -> tuple[list[int], EnrolmentReport]:
    """Patient ids named by a selection CSV (only among ``visible_patients``), and the unmatched lines."""
    if len(data) > MAX_SELECTION_BYTES:
        raise SelectionError(_("The file is larger than 5 MB."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SelectionError(_("The file is neither UTF-8 nor GBK text."))
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SelectionError(_("The file is empty."))
    header = [cell.strip().lower().replace(" ", "") for cell in rows[0]]
    known = [(index, SELECTION_COLUMNS[name]) for index, name in enumerate(header) if name in SELECTION_COLUMNS]
    if not known:
        raise SelectionError(
            _("The first line must name a column that identifies patients: patient, his_id, phone, email or openid.")
        )
    report = EnrolmentReport()
    visible = visible_patients.values("pk")
    found: list[int] = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        patient_id = None
        for index, kind in known:
            value = row[index].strip() if index < len(row) else ""
            if not value:
                continue
            patient_id = _find_patient(kind, value, visible)
            if patient_id:
                break
        if patient_id:
            found.append(patient_id)
        else:
            report.not_found_lines.append(line_number)
    return found, report


def _find_patient(kind: str, value: str, visible) -> int | None:
    if kind == "patient":
        if not value.isdigit():
            return None
        return Patient.objects.filter(pk=int(value), pk__in=visible).values_list("pk", flat=True).first()
    try:
        address = normalize_contact_address(kind, value)
    except ValueError:
        return None
    return (
        ContactPoint.objects.filter(patient__in=visible)
        .with_address(kind, [address])  # addresses are encrypted
        .values_list("patient_id", flat=True)
        .first()
    )


@dataclass(frozen=True)
class UpcomingStep:
    due_at: datetime
    step: FollowUpStep
    day: int

    @property
    def title(self) -> str:
        if self.step.kind == FollowUpStep.ARTICLE:
            return _("The newest published article tagged “%(tag)s”") % {"tag": self.step.article_tag}
        return self.step.title_zh or self.step.title_en


def upcoming_steps(enrolment: FollowUpEnrolment, *, now: datetime | None = None, limit: int = 5) -> list[UpcomingStep]:
    """The next ``limit`` step occurrences of an active enrolment, in the patient's time zone."""
    if enrolment.status != FollowUpEnrolment.ACTIVE:
        return []
    now = now or timezone.now()
    try:
        zone = zoneinfo.ZoneInfo(enrolment.patient.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    found: list[UpcomingStep] = []
    for step in enrolment.plan.steps.all():
        for offset in step.days():
            due_at = datetime.combine(enrolment.starts_on + timedelta(days=offset), step.send_time, tzinfo=zone)
            if due_at >= now:
                found.append(UpcomingStep(due_at, step, offset))
                break  # a daily reminder shows once, at its next occurrence
    return sorted(found, key=lambda item: item.due_at)[:limit]
