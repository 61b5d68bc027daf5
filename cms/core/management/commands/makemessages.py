"""``makemessages`` with the studio's defaults, so the catalogue is rebuilt the same way everywhere.

Run ``manage.py makemessages -l zh_Hans`` (and ``-d djangojs``): it skips the test suite, the
benchmarks and local data, writes file names without line numbers (so a catalogue update does
not conflict with every unrelated edit) and drops strings the code no longer uses. The catalogue
test (``tests/kepu/test_translations.py``) runs this same command on a scratch copy of the project.
"""

from django.core.management.commands import makemessages

STUDIO_IGNORE_PATTERNS = [
    "tests/*",
    "benchmarks/*",
    "var/*",
    "screenshots/*",
    "static_collected/*",
    "node_modules/*",
    "locale/*",
]


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *STUDIO_IGNORE_PATTERNS]
        options["add_location"] = options["add_location"] or "file"
        options["no_obsolete"] = True
        return super().handle(*args, **options)
