from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.encyclopedia.importer import count_lines, import_encyclopedia, locate_sources


class Command(BaseCommand):
    help = (
        "Import the disease encyclopedia: MedQuAD (JSONL or JSONL.gz, English) and ICD-10 CN categories "
        "(TSV, Chinese). Idempotent: entries are updated by source id, never duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.KEPU_DATA_DIR),
            help="A data folder (with medquad/ and icd10-cn/), or a single MedQuAD file. Default: KEPU_DATA_DIR.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, path, no_progress, **options):
        source = Path(path).expanduser()
        if not source.exists():
            raise CommandError(f"{source} does not exist. Pass the folder holding medquad/ and icd10-cn/.")
        medquad, icd = locate_sources(source)
        expected = count_lines([medquad]) + (1585 if icd else 0)
        with tqdm(total=expected, unit="entries", disable=no_progress, file=self.stderr._out, leave=False) as bar:
            try:
                report = import_encyclopedia(source, progress=bar.update)
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
        for file_name, line, reason in report.skipped:
            self.stderr.write(f"skipped {file_name} line {line}: {reason}")
        self.stdout.write(
            f"Encyclopedia import: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped; "
            f"{report.icd_categories} ICD-10 categories."
        )
