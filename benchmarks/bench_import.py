"""Encyclopedia import speed: the studio's bulk importer against stock Wagtail page creation.

Both run in the same process on the same fresh SQLite database, with search
indexing. The baseline is how a plain Wagtail import script creates pages
(``add_child``, then ``save_revision().publish()``: a revision, a log entry and
``page_published`` per page), timed over at least 1,000 records drawn evenly
from the very records the studio imports, so the mix is the same (MedQuAD
entries with sections in English, one-line ICD-10 category pages and written
entries in Chinese) and each page gets the same field values. The studio then
imports the full data. Afterwards the benchmark checks what the bulk path
might have skipped: ``Page.find_problems()`` is clean, an imported entry
edits, saves a revision and publishes through the admin, and the feeds were
told of the import (one ``entries_imported`` signal for the run).

    python benchmarks/bench_import.py [--data $KEPU_DATA_DIR or ../shared/data] [--baseline-records 1000]
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from benchmark_database import ROOT, migrate, setup_django, use_sqlite
from results import quick, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KEPU_DATA_DIR") or str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--baseline-records", type=int, default=100 if quick() else 1000)
    args = parser.parse_args()
    setup_django(use_sqlite("import"))
    logging.disable(logging.INFO)
    migrate()

    from cms.encyclopedia.importer import EncyclopediaImporter, import_encyclopedia
    from cms.encyclopedia.models import EncyclopediaEntry
    from cms.encyclopedia.signals import entries_imported

    data = Path(args.data)
    records = same_mix(data, args.baseline_records)
    if not records:
        raise SystemExit(f"no MedQuAD or ICD-10 data in {data} (--data or KEPU_DATA_DIR)")
    baseline_seconds = stock_wagtail(records, EncyclopediaImporter())
    baseline_rate = len(records) / baseline_seconds

    notices: list[int] = []

    def count(sender, entry_ids, **kwargs):
        notices.append(len(entry_ids))

    entries_imported.connect(count, sender=EncyclopediaEntry, dispatch_uid="bench.count")
    started = time.perf_counter()
    report = import_encyclopedia(data)
    studio_seconds = time.perf_counter() - started
    studio_rate = report.created / studio_seconds
    started = time.perf_counter()
    again = import_encyclopedia(data)
    rerun_seconds = time.perf_counter() - started
    feeds_listen = any("feeds" in str(receiver) for receiver in entries_imported.receivers)

    problems = tree_problems()
    admin = admin_round_trip()
    print()
    print(f"Encyclopedia import (SQLite, search indexing included); baseline mix: {mix(records)}")
    print(f"{'':36}{'entries':>10}{'seconds':>10}{'entries/s':>12}")
    print(f"{'stock Wagtail add_child + publish':36}{len(records):>10}{baseline_seconds:>10.1f}{baseline_rate:>12.1f}")
    print(f"{'studio bulk import (full data)':36}{report.created:>10}{studio_seconds:>10.1f}{studio_rate:>12.1f}")
    print(
        f"{'studio re-run (all unchanged)':36}{again.unchanged:>10}{rerun_seconds:>10.1f}"
        f"{again.unchanged / rerun_seconds:>12.1f}"
    )
    print(
        f"speed-up over stock Wagtail: {studio_rate / baseline_rate:.1f}×; skipped malformed lines: "
        f"{len(report.skipped)}; entries in the database: {EncyclopediaEntry.objects.count()}"
    )
    print(
        f"after the bulk import: Page.find_problems() {problems if problems else 'clean'}; "
        f"admin edit → revision → publish: {admin}; feeds told: {len(notices)} signal(s) for "
        f"{sum(notices)} entries ({'feeds listening' if feeds_listen else 'NO FEEDS RECEIVER'})"
    )
    print(
        "comparable: the same records in the same mix, the same field values, search indexing on both; "
        "not comparable: stock Wagtail also writes a revision, a log entry and a page_published per page, the "
        "studio writes none of those (one signal per run) and also links translations and ICD-10 categories; "
        "the baseline's rate is over its sample, the studio's over the full data"
    )
    record(
        "import",
        "encyclopedia entries/s",
        studio_rate,
        unit="entries/s",
        baseline=baseline_rate,
        baseline_name=f"stock Wagtail add_child + save_revision().publish(), {len(records)} records, same mix",
        comparable="same records and fields; the studio writes no per-page revision or log entry",
    )
    record(
        "import",
        "Page.find_problems() after the bulk import",
        float(sum(map(len, problems))),
        unit="problems",
        target=0,
        target_on="value",
        better="lower",
    )
    if problems or admin != "OK" or len(notices) != 1 or not feeds_listen:
        raise SystemExit("the bulk import left something a normal Wagtail page would have")


def same_mix(data: Path, wanted: int):
    """At least ``wanted`` (record, language) pairs taken evenly from everything the studio imports."""
    from cms.encyclopedia.importer import ICD_MAP_PATH, EncyclopediaImporter, locate_sources
    from cms.encyclopedia.medquad import MalformedRecord, read_icd_map, read_medquad

    medquad, icd = locate_sources(data)
    importer = EncyclopediaImporter()
    every = []
    if icd is not None:
        importer.import_icd10(icd)  # the categories table only (no pages): the Chinese records read it
        importer.read_written()
        every += [(item, "zh-hans") for item in importer.live_zh_records()]
    if medquad is not None:
        every += [
            (item, "en")
            for _line, item in read_medquad(medquad, read_icd_map(ICD_MAP_PATH))
            if not isinstance(item, MalformedRecord)
        ]
    step = max(1, len(every) // wanted)
    return every[::step]


def mix(records) -> str:
    english = sum(1 for _record, language in records if language == "en")
    one_line = sum(1 for record, _language in records if not record.sections)
    return f"{english} English (MedQuAD), {len(records) - english} Chinese; {one_line} without sections"


def stock_wagtail(records, importer) -> float:
    """Seconds to create and publish ``records`` one page at a time, under a scratch index page per language."""
    from wagtail.models import Locale

    from cms.encyclopedia.models import EncyclopediaEntry, EncyclopediaIndexPage

    parents = {}
    for language in ("en", "zh-hans"):
        parents[language] = EncyclopediaIndexPage(
            title="Baseline", slug="baseline-import", locale=Locale.objects.get(language_code=language)
        )
        importer.tree[language]["home"].add_child(instance=parents[language])
    started = time.perf_counter()
    for number, (item, language) in enumerate(records):
        entry = EncyclopediaEntry(
            slug=f"baseline-{number}",
            source_id=item.source_id,
            locale=parents[language].locale,
            **importer.field_values(item, item.fingerprint()),
        )
        parents[language].add_child(instance=entry)
        entry.save_revision().publish()
    return time.perf_counter() - started


def tree_problems() -> dict:
    from wagtail.models import Page

    names = ("bad alphabet", "orphans", "wrong depth", "wrong child count", "wrong child count (specific)")
    return {name: list(found) for name, found in zip(names, Page.find_problems(), strict=False) if found}


def admin_round_trip() -> str:
    """Edit an imported entry in the admin: save a draft (a revision), then publish it; 'OK' or what failed."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from cms.core.studio_setup import ensure_site_tree
    from cms.encyclopedia.models import EncyclopediaEntry
    from tests.admin_forms import entry_form

    imported = EncyclopediaEntry.objects.child_of(ensure_site_tree()["en"]["encyclopedia"]).order_by("pk")[:50]
    entry = next(entry for entry in imported if len(entry.sections))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.create_superuser("bench.editor", "bench@example.org", "pw"))
    url = reverse("wagtailadmin_pages:edit", args=[entry.pk])
    for step, extra in (("save draft", {}), ("publish", {"action-publish": "publish"})):
        response = client.post(url, entry_form(entry, summary="Reviewed summary.", **extra))
        if response.status_code != 302:
            return f"{step} answered {response.status_code}"
    entry.refresh_from_db()
    if not (
        entry.live
        and entry.summary == "Reviewed summary."
        and entry.revisions.count() == 2
        and entry.live_revision_id == entry.latest_revision_id
    ):
        return "the entry is not live with its new revision"
    return "OK"


if __name__ == "__main__":
    main()
