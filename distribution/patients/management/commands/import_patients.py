"""``manage.py import_patients --doctor <username> FILE [--skip-invalid]``."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from distribution.patients.csv_import import CsvFileError, import_patients_csv


class Command(BaseCommand):
    help = (
        "Import a doctor's patients from a CSV file (UTF-8, UTF-8 with BOM or GBK/GB18030 as saved by Excel). "
        "Nothing is imported when any row is invalid, unless --skip-invalid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--doctor", required=True, help="username of the doctor the patients belong to")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows and report the others")

    def handle(self, *args, file: Path, doctor: str, skip_invalid: bool, **options):
        user = get_user_model().objects.filter(username=doctor).select_related("doctor_profile").first()
        if user is None:
            raise CommandError(_("There is no user named “%(username)s”.") % {"username": doctor})
        profile = getattr(user, "doctor_profile", None)
        if profile is None:
            raise CommandError(_("User “%(username)s” has no doctor profile.") % {"username": doctor})
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None
        try:
            report = import_patients_csv(profile, data, skip_invalid=skip_invalid)
        except CsvFileError as exc:
            raise CommandError(f"{file.name}: {exc}") from None
        for error in report.errors:
            self.stderr.write(f"{file.name} {error}")
        if not report.imported:
            raise CommandError(f"{file.name} ({report.encoding}): {report.summary()}")
        self.stdout.write(f"{file.name} ({report.encoding}): {report.summary()}")
