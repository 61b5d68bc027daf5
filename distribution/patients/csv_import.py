"""Importing a doctor's patient list from a CSV file (as hospitals export it from Excel).

Decisions:

* All or nothing: the file is validated completely first (including matches
  against existing patients). When any row is invalid nothing is written and
  the report lists every problem, unless ``skip_invalid`` is set, in which
  case the valid rows are imported and the invalid ones reported. Writing
  happens in short transactions of 500 patients, so a 50,000-row file never
  holds the database's write lock for long; re-running a file is harmless.
* Large files run as a background job (:class:`~distribution.patients.models.PatientImport`,
  ``distribution.patients.tasks``) with progress, a result page and an error report.
* Unknown or repeated columns reject the whole file (a misspelt header would
  otherwise drop a column silently), even with ``skip_invalid``.
* Encodings: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
  text"), otherwise GB18030 (a superset of GBK, which Excel uses for "CSV" on
  Chinese Windows). Comma, tab and semicolon separators are recognised.
* Duplicates: rows sharing any contact address (mobile, openid, e-mail,
  hospital id) are one patient, merged (tags united, empty cells filled); an
  existing patient of the same doctor with one of those addresses is
  updated instead of duplicated. Conflicting values are reported as errors.
* Error messages name the line and column but never repeat the cell's value:
  reports are shown and logged, and the values are patient data.
"""

from __future__ import annotations

import codecs
import csv
import io
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from .contact_addresses import normalize_contact_address
from .encryption import blind_index
from .models import ContactPoint, Patient, split_tag_list

__all__ = ["ImportReport", "RowError", "import_patients_csv", "decode_csv_bytes", "CsvFileError", "COLUMN_ALIASES"]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

# Canonical column -> accepted header spellings (compared case-insensitively, spaces ignored).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "display_name", "姓名", "患者姓名", "称呼"),
    "language": ("language", "preferred_language", "语言"),
    "time_zone": ("time_zone", "timezone", "时区"),
    "enrolled_on": ("enrolled_on", "enrolment_date", "enrollment_date", "入组日期", "纳入日期"),
    "tags": ("tags", "标签", "诊断", "诊断标签"),
    "wechat": ("wechat", "wechat_openid", "openid", "微信", "微信openid"),
    "sms": ("mobile", "phone", "sms", "手机", "手机号", "手机号码"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱"),
    "webhook": ("hospital_id", "patient_id", "webhook", "住院号", "病历号", "院内编号"),
    "consent_wechat": ("consent_wechat", "微信同意", "同意微信"),
    "consent_sms": ("consent_sms", "短信同意", "同意短信"),
    "consent_email": ("consent_email", "邮件同意", "同意邮件"),
    "consent_webhook": ("consent_webhook", "院内系统同意", "同意院内系统"),
}
CHANNEL_COLUMNS = ("wechat", "sms", "email", "webhook")
_LANGUAGE_ALIASES = {
    "zh-hans": "zh-hans",
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "中文": "zh-hans",
    "简体中文": "zh-hans",
    "汉语": "zh-hans",
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
}
_YES = {"yes", "y", "true", "1", "是", "同意", "已同意", "√", "✓"}
_NO = {"", "no", "n", "false", "0", "否", "不同意", "未同意"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


# How the report names each column (the file may have used any of its aliases).
COLUMN_LABELS = {
    "name": pgettext_lazy("a person's", "name"),
    "language": gettext_lazy("language"),
    "time_zone": gettext_lazy("time zone"),
    "enrolled_on": gettext_lazy("enrolment date"),
    "tags": gettext_lazy("tags"),
    "wechat": gettext_lazy("WeChat openid"),
    "sms": gettext_lazy("mobile number"),
    "email": gettext_lazy("e-mail"),
    "webhook": gettext_lazy("hospital id"),
    "consent_wechat": gettext_lazy("WeChat consent"),
    "consent_sms": gettext_lazy("SMS consent"),
    "consent_email": gettext_lazy("e-mail consent"),
    "consent_webhook": gettext_lazy("hospital system consent"),
}


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file; the header is line 1
    column: str  # canonical column name, "" for the whole row
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))

    def __str__(self) -> str:
        if self.column:
            where = _("line %(line)d, column %(column)s") % {"line": self.line, "column": self.column_label}
        else:
            where = _("line %(line)d") % {"line": self.line}
        return _("%(where)s: %(message)s") % {"where": where, "message": self.message}


@dataclass
class ImportReport:
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    merged_rows: int = 0  # rows folded into another row of the same file
    skipped_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False

    def summary(self) -> str:
        if not self.imported:
            return _("Nothing imported: %(problems)d problem(s) in %(rows)d row(s).") % {
                "problems": len(self.errors),
                "rows": self.rows,
            }
        text = _(
            "Imported %(rows)d row(s): %(created)d new patient(s), %(updated)d updated, "
            "%(merged)d duplicate row(s) merged."
        ) % {
            "rows": self.rows - self.skipped_rows,
            "created": self.created,
            "updated": self.updated,
            "merged": self.merged_rows,
        }
        if self.skipped_rows:
            text += " " + ngettext(
                "%(count)d invalid row skipped.", "%(count)d invalid rows skipped.", self.skipped_rows
            ) % {"count": self.skipped_rows}
        return text


@dataclass
class _Candidate:
    """One patient as described by one or more rows of the file."""

    lines: list[int]
    name: str = ""
    language: str = ""
    time_zone: str = ""
    enrolled_on: date | None = None
    tags: list[str] = field(default_factory=list)
    addresses: dict[str, str] = field(default_factory=dict)
    consents: dict[str, datetime] = field(default_factory=dict)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was found to be in."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            raise CsvFileError(
                "the file starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                "(it may be cut off); save it again as “CSV UTF-8” and retry"
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CsvFileError(_("The file starts with a UTF-16 byte-order mark but is not valid UTF-16.")) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise CsvFileError(
            _("The file is neither UTF-8 nor GBK/GB18030 text. Save it as “CSV UTF-8” and try again.")
        ) from None


def _canonical_header(header: str) -> str | None:
    key = "".join(header.split()).lower()
    for canonical, aliases in COLUMN_ALIASES.items():
        if key in {"".join(alias.split()).lower() for alias in aliases}:
            return canonical
    return None


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    sample = text[:4096]
    first_line = sample.splitlines()[0] if sample.splitlines() else ""
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise CsvFileError(_("The header line is not valid CSV (%(error)s).") % {"error": exc}) from None
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
            if len(rows) > MAX_ROWS:
                raise CsvFileError(
                    _("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS}
                )
    except csv.Error as exc:
        raise CsvFileError(
            _("Line %(line)d is not valid CSV (%(error)s).") % {"line": reader.line_num, "error": exc}
        ) from None
    return header, rows


def _parse_date(value: str) -> date:
    value = value.strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("not a date (use YYYY-MM-DD)"))


def _parse_consent(value: str, now: datetime) -> datetime | None:
    text = value.strip().lower()
    if text in _NO:
        return None
    if text in _YES:
        return now
    consent_day = _parse_date(value)
    if consent_day > now.date():
        raise ValueError(_("the consent date is in the future"))
    return timezone.make_aware(datetime.combine(consent_day, time(12)))


def _parse_row(line: int, cells: dict[str, str], now: datetime) -> tuple[_Candidate | None, list[RowError]]:
    errors: list[RowError] = []
    candidate = _Candidate(lines=[line])
    candidate.name = " ".join(cells.get("name", "").split())
    if not candidate.name:
        errors.append(RowError(line, "name", _("a name is required")))
    elif len(candidate.name) > 100:
        errors.append(RowError(line, "name", _("longer than 100 characters")))
    language = cells.get("language", "").strip()
    if language:
        candidate.language = _LANGUAGE_ALIASES.get(language.lower(), "")
        if not candidate.language:
            errors.append(RowError(line, "language", _("unknown language (use zh-hans or en)")))
    zone = cells.get("time_zone", "").strip()
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
            candidate.time_zone = zone
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append(RowError(line, "time_zone", _("unknown time zone (e.g. Asia/Shanghai)")))
    if cells.get("enrolled_on", "").strip():
        try:
            candidate.enrolled_on = _parse_date(cells["enrolled_on"])
        except ValueError as exc:
            errors.append(RowError(line, "enrolled_on", str(exc)))
    candidate.tags = split_tag_list(cells.get("tags", ""))
    if any(len(tag) > 100 for tag in candidate.tags):
        errors.append(RowError(line, "tags", _("a tag is longer than 100 characters")))
    for channel in CHANNEL_COLUMNS:
        raw = cells.get(channel, "").strip()
        consent_raw = cells.get(f"consent_{channel}", "")
        if raw:
            try:
                candidate.addresses[channel] = normalize_contact_address(channel, raw)
            except ValueError as exc:
                errors.append(RowError(line, channel, str(exc)))
        try:
            consent = _parse_consent(consent_raw, now)
        except ValueError as exc:
            errors.append(RowError(line, f"consent_{channel}", str(exc)))
            continue
        if consent is not None:
            if not raw:
                errors.append(RowError(line, f"consent_{channel}", _("consent given for a channel without an address")))
            else:
                candidate.consents[channel] = consent
    if not raw_addresses_present(cells):
        errors.append(
            RowError(line, "", _("at least one contact address (mobile, openid, e-mail or hospital id) is required"))
        )
    return (None if errors else candidate), errors


def raw_addresses_present(cells: dict[str, str]) -> bool:
    return any(cells.get(channel, "").strip() for channel in CHANNEL_COLUMNS)


def _same_address_conflict(into: _Candidate) -> str:
    return _("differs from line %(line)d, which has the same contact address") % {"line": into.lines[0]}


def _merge(into: _Candidate, other: _Candidate) -> list[RowError]:
    """Fold ``other`` into ``into``; report values that disagree."""
    errors = []
    line = other.lines[0]
    for name in ("name", "language", "time_zone", "enrolled_on"):
        mine, theirs = getattr(into, name), getattr(other, name)
        if mine and theirs and mine != theirs:
            errors.append(RowError(line, name, _same_address_conflict(into)))
        elif theirs and not mine:
            setattr(into, name, theirs)
    for channel, address in other.addresses.items():
        existing = into.addresses.get(channel)
        if existing and existing != address:
            errors.append(RowError(line, channel, _same_address_conflict(into)))
        else:
            into.addresses[channel] = address
    for channel, moment in other.consents.items():
        into.consents[channel] = min(moment, into.consents.get(channel, moment))
    into.tags += [tag for tag in other.tags if tag not in into.tags]
    into.lines += other.lines
    return errors


def _group_duplicates(candidates: list[_Candidate]) -> tuple[list[_Candidate], list[RowError], int]:
    merged: list[_Candidate] = []
    owner_of: dict[tuple[str, str], _Candidate] = {}
    errors: list[RowError] = []
    merged_rows = 0
    for candidate in candidates:
        owners = []
        for key in candidate.addresses.items():
            owner = owner_of.get(key)
            if owner is not None and all(owner is not seen for seen in owners):
                owners.append(owner)
        if not owners:
            merged.append(candidate)
            target = candidate
        elif len(owners) > 1:
            errors.append(
                RowError(
                    candidate.lines[0],
                    "",
                    _("its addresses belong to different patients (lines %(first)d and %(second)d)")
                    % {"first": owners[0].lines[0], "second": owners[1].lines[0]},
                )
            )
            continue
        else:
            target = owners[0]
            problems = _merge(target, candidate)
            if problems:
                errors.extend(problems)
                continue
            merged_rows += 1
        for key in candidate.addresses.items():
            owner_of[key] = target
    return merged, errors, merged_rows


def import_patients_csv(
    doctor,
    data: bytes,
    *,
    skip_invalid: bool = False,
    chunk_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate ``data`` and import its patients for ``doctor`` (a DoctorProfile).

    ``progress(written, total)`` is called after each chunk of patients is committed.
    """
    if len(data) > MAX_FILE_BYTES:
        raise CsvFileError(_("The file is larger than %(size)d MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)})
    text, encoding = decode_csv_bytes(data)
    header, rows = _read_rows(text)
    columns: list[str] = []
    problems = []
    for position, name in enumerate(header, start=1):
        canonical = _canonical_header(name)
        if canonical is None:
            problems.append(
                _("unknown column “%(name)s” (column %(position)d)") % {"name": name.strip(), "position": position}
            )
        elif canonical in columns:
            problems.append(
                _("column “%(name)s” repeats “%(column)s” (column %(position)d)")
                % {"name": name.strip(), "column": COLUMN_LABELS[canonical], "position": position}
            )
        columns.append(canonical or "")
    if problems:
        known = ", ".join(f"{aliases[0]} / {COLUMN_LABELS[canonical]}" for canonical, aliases in COLUMN_ALIASES.items())
        raise CsvFileError(
            _("%(problems)s. Known columns: %(known)s") % {"problems": "; ".join(problems), "known": known}
        )
    if "name" not in columns:
        raise CsvFileError(_("The file has no name column (姓名 / name)."))

    report = ImportReport(encoding=encoding, rows=len(rows))
    now = timezone.now()
    candidates = []
    for line, row in rows:
        if len(row) > len(columns):
            report.errors.append(
                RowError(
                    line,
                    "",
                    _("has %(cells)d cells but the header has %(columns)d")
                    % {"cells": len(row), "columns": len(columns)},
                )
            )
            continue
        cells = {column: value for column, value in zip(columns, row, strict=False)}
        candidate, errors = _parse_row(line, cells, now)
        report.errors.extend(errors)
        if candidate:
            candidates.append(candidate)
    merged, errors, report.merged_rows = _group_duplicates(candidates)
    report.errors.extend(errors)
    bad_lines = {error.line for error in report.errors}
    merged = [candidate for candidate in merged if not bad_lines.intersection(candidate.lines)]
    if report.errors and not skip_invalid:
        report.errors.sort(key=lambda error: error.line)
        return report
    existing_by_address = _existing_patients(doctor, merged)
    plan: list[tuple[_Candidate, int | None]] = []
    for candidate in merged:
        matches = {existing_by_address[key] for key in candidate.addresses.items() if key in existing_by_address}
        if len(matches) > 1:
            report.errors.append(
                RowError(candidate.lines[0], "", _("its addresses belong to different existing patients"))
            )
            bad_lines.update(candidate.lines)
            continue
        plan.append((candidate, matches.pop() if matches else None))
    report.errors.sort(key=lambda error: error.line)
    if report.errors and not skip_invalid:
        return report
    # Written in short transactions of ``chunk_size`` patients, so other writers (the web process,
    # beacons, workers) get the database between chunks; a run stopped half-way can simply be run
    # again: patients already written are found by their addresses and updated, not duplicated.
    for start in range(0, len(plan), chunk_size):
        with transaction.atomic():
            for candidate, existing in plan[start : start + chunk_size]:
                if existing is not None:
                    _update_patient(existing, candidate)
                    report.updated += 1
                else:
                    _create_patient(doctor, candidate)
                    report.created += 1
        if progress is not None:
            progress(min(start + chunk_size, len(plan)), len(plan))
    report.skipped_rows = len(bad_lines)
    report.imported = True
    return report


def _existing_patients(doctor, candidates: Iterable[_Candidate]) -> dict[tuple[str, str], int]:
    wanted: dict[str, set[str]] = {}
    for candidate in candidates:
        for channel, address in candidate.addresses.items():
            wanted.setdefault(channel, set()).add(address)
    found: dict[tuple[str, str], int] = {}
    for channel, addresses in wanted.items():
        ordered = sorted(addresses)
        for start in range(0, len(ordered), 500):  # within every database's limit on query parameters
            rows = ContactPoint.objects.filter(patient__doctor=doctor).with_address(
                channel, ordered[start : start + 500]
            )
            for contact in rows.values("channel", "address", "patient_id"):
                found[(contact["channel"], contact["address"])] = contact["patient_id"]
    return found


def _create_patient(doctor, candidate: _Candidate) -> Patient:
    patient = Patient.objects.create(
        doctor=doctor,
        display_name=candidate.name,
        preferred_language=candidate.language or "zh-hans",
        time_zone=candidate.time_zone or settings.TIME_ZONE,
        enrolled_on=candidate.enrolled_on or timezone.localdate(),
    )
    if candidate.tags:
        patient.tags.add(*candidate.tags)
        patient.save()  # a clusterable model writes its tags on save
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                patient=patient,
                channel=channel,
                address=address,
                address_index=blind_index(channel, address),
                consent_at=candidate.consents.get(channel),
            )
            for channel, address in candidate.addresses.items()
        ]
    )
    return patient


def _update_patient(patient_id: int, candidate: _Candidate) -> None:
    patient = Patient.objects.get(pk=patient_id)
    patient.display_name = candidate.name or patient.display_name
    patient.preferred_language = candidate.language or patient.preferred_language
    patient.time_zone = candidate.time_zone or patient.time_zone
    patient.enrolled_on = candidate.enrolled_on or patient.enrolled_on
    if candidate.tags:
        patient.tags.add(*candidate.tags)
    patient.save()  # also writes the tags (a clusterable model's relations are saved with it)
    for channel, address in candidate.addresses.items():
        contact, created = ContactPoint.objects.get_or_create(
            patient=patient,
            channel=channel,
            defaults={"address": address, "consent_at": candidate.consents.get(channel)},
        )
        if not created:
            changed = contact.address != address
            contact.address = address
            if channel in candidate.consents and (contact.consent_at is None or changed):
                contact.consent_at = candidate.consents[channel]
            contact.save()
