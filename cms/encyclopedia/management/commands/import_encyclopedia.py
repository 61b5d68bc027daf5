from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.encyclopedia.importer import count_lines, import_encyclopedia, locate_sources
from cms.encyclopedia.written import ZH_ENTRIES_DIR


class Command(BaseCommand):
    help = (
        "Import the disease encyclopedia: MedQuAD (JSONL or JSONL.gz, English), ICD-10 CN categories "
        "(TSV, Chinese) and the Chinese entries written by the studio (cms/encyclopedia/data/zh_entries). "
        "Idempotent: entries are updated by source id, never duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(settings.KEPU_DATA_DIR),
            help="A data folder (with medquad/ and icd10-cn/), or a single MedQuAD file. Default: KEPU_DATA_DIR.",
        )
        parser.add_argument(
            "--zh-entries",
            default=str(ZH_ENTRIES_DIR),
            metavar="FOLDER",
            help="Folder of written Chinese entries (*.json). Default: the entries shipped with the studio.",
        )
        parser.add_argument(
            "--as-drafts",
            action="store_true",
            help="Save the written Chinese entries as unpublished drafts for your own review: "
            "live pages keep what they show, new pages stay unpublished.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, path, zh_entries, as_drafts, no_progress, **options):
        source = Path(path).expanduser()
        if not source.exists():
            raise CommandError(f"{source} does not exist. Pass the folder holding medquad/ and icd10-cn/.")
        written = Path(zh_entries).expanduser()
        if not written.is_dir():
            raise CommandError(f"{written} is not a folder of written entries (*.json).")
        medquad, icd = locate_sources(source)
        expected = count_lines([medquad]) + (1585 if icd else 0)
        with tqdm(total=expected, unit="entries", disable=no_progress, file=self.stderr._out, leave=False) as bar:
            try:
                report = import_encyclopedia(source, progress=bar.update, written_folder=written, as_drafts=as_drafts)
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
        for file_name, where, reason in report.skipped:
            self.stderr.write(f"skipped {file_name} {where}: {reason}")
        drafts = f", {report.drafted} saved as drafts for review" if as_drafts else ""
        self.stdout.write(
            f"Encyclopedia import: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped; "
            f"{report.icd_categories} ICD-10 categories; {report.written} written Chinese entries{drafts}."
        )
