"""The zh-Hans catalogue covers every string the studio marks, and what is committed is what runs.

``makemessages`` runs on a scratch copy of the project, so the repository's catalogue is never touched:
a string added to the code without a translation shows up there as untranslated and fails the test.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wagtail
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SUPPLEMENT = BASE_DIR / "locale" / "wagtail_supplement" / "zh_Hans" / "LC_MESSAGES"
NOT_PROJECT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "screenshots",
    "static_collected",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    "*.pyc",
    "*.mo",
    "*.sqlite3",
)

pytestmark = pytest.mark.skipif(
    not (shutil.which("msgfmt") and shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="the catalogue tests need GNU gettext (apt-get install gettext)",
)


def statistics(po: Path) -> dict[str, int]:
    """msgfmt's own count of translated, fuzzy and untranslated entries."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)], capture_output=True, text=True, check=True
    )
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", result.stderr):
        counts[kind] = int(number)
    return counts


def msgids(po: Path) -> set[str]:
    """The entries of a catalogue, keyed as the compiled catalogue keys them (context, plural included)."""
    mo = po.with_suffix(".scratch.mo")
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
    try:
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog
    finally:
        mo.unlink()
    # Plural entries are keyed (msgid, form); a message context is "context\x04msgid".
    return {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}


def make_messages(project: Path, domain: str) -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kepu.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", domain, "-v", "0"],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def scratch_project(tmp_path_factory) -> Path:
    """A copy of the project's sources and catalogues with the catalogue rebuilt from the code."""
    project = tmp_path_factory.mktemp("catalogue") / "project"
    shutil.copytree(BASE_DIR, project, ignore=NOT_PROJECT_SOURCE)
    make_messages(project, "django")
    make_messages(project, "djangojs")
    return project


def test_every_project_string_has_a_chinese_translation(scratch_project):
    rebuilt = scratch_project / CATALOGUE.relative_to(BASE_DIR)
    counts = statistics(rebuilt)
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(rebuilt)], capture_output=True, text=True, check=True
    ).stdout
    assert counts["translated"] > 500
    assert counts["untranslated"] == 0, "strings without a zh-Hans translation:\n" + untranslated
    assert counts["fuzzy"] == 0, "fuzzy entries: translate them and remove the fuzzy flag"


def test_the_committed_catalogue_is_the_one_the_code_needs(scratch_project):
    rebuilt = scratch_project / CATALOGUE.relative_to(BASE_DIR)
    committed, needed = msgids(CATALOGUE), msgids(rebuilt)
    assert needed - committed == set(), "run `manage.py makemessages -l zh_Hans` and translate the new entries"
    assert committed - needed == set(), "the catalogue holds strings the code no longer uses: run makemessages"


def test_javascript_strings_if_any_are_translated(scratch_project):
    # The studio's scripts carry no visible text today (labels come from the templates); if one ever does,
    # its catalogue must be complete too.
    javascript = scratch_project / "locale" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po"
    if javascript.exists():
        counts = statistics(javascript)
        assert counts["untranslated"] == counts["fuzzy"] == 0


@pytest.mark.parametrize(
    "po",
    [CATALOGUE, SUPPLEMENT / "django.po", SUPPLEMENT / "djangojs.po"],
    ids=lambda path: str(path.relative_to(BASE_DIR)),
)
def test_compiled_catalogue_is_up_to_date_with_its_po(po, tmp_path):
    assert statistics(po)["untranslated"] == statistics(po)["fuzzy"] == 0
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as handle:
        expected = gettext.GNUTranslations(handle)._catalog
    with po.with_suffix(".mo").open("rb") as handle:
        committed = gettext.GNUTranslations(handle)._catalog
    assert committed == expected, f"{po.with_suffix('.mo').name} is older than its .po: run `make messages`"


def source_pattern(msgid: str) -> re.Pattern:
    """How a msgid appears in source: as written in Python or JS, or as a template's blocktranslate."""
    pattern = ""
    for part in re.split(r"(%\(\w+\)[sd]|\s+|')", msgid):
        if placeholder := re.fullmatch(r"%\((\w+)\)[sd]", part):
            name = placeholder.group(1)
            pattern += rf"(?:%\({name}\)[sd]|\{{\{{\s*{name}\s*\}}\}})"
        elif part.isspace():
            pattern += r"\s+"
        elif part == "'":
            pattern += r"\\?'"
        else:
            pattern += re.escape(part)
    return re.compile(pattern)


def test_supplement_only_holds_texts_wagtail_really_uses():
    """Each entry must be a string in Wagtail's source, or it translates nothing (e.g. after an upgrade)."""
    source = "\n".join(
        path.read_text(encoding="utf-8", errors="ignore")
        for path in Path(wagtail.__file__).parent.rglob("*")
        if path.suffix in {".py", ".html", ".js"} and "/locale/" not in str(path) and "/tests/" not in str(path)
    )
    project = msgids(CATALOGUE)
    for po in (SUPPLEMENT / "django.po", SUPPLEMENT / "djangojs.po"):
        for msgid in msgids(po):
            text = msgid.split("\x04")[-1]
            assert source_pattern(text).search(source), f"{po.name}: {text!r} is not a Wagtail string"
            if po.name == "django.po":  # the same domain: the studio's own entry would win anyway
                assert msgid not in project, f"{text!r} is already in the studio's own catalogue"
