"""manage.py import_health_icons [FOLDER] [--only NAME …] — the Health Icons set as a tagged illustration collection."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.illustrations.healthicons import IconSetError, import_icons


class Command(BaseCommand):
    help = (
        "Import the Health Icons set (MIT) into the illustration library, tagged in Chinese and English (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(Path(settings.KEPU_DATA_DIR) / "healthicons"))
        parser.add_argument("--only", nargs="+", metavar="NAME", help="import just these icons (e.g. for a quick try)")

    def handle(self, folder, only=None, **options):
        path = Path(folder)
        if not (path / "icons.json").is_file():
            raise CommandError(f"{path} holds no icons.json: point the command at the healthicons folder of the data.")
        try:
            result = import_icons(path, names=only, progress=lambda n: self.stdout.write(f"  … {n} icons"))
        except IconSetError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Health Icons: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} already up to date."
            )
        )
