"""Encyclopedia import speed: the studio's bulk importer against stock Wagtail page creation.

Both run in the same process on the same fresh database. The baseline creates
pages the way a plain Wagtail import script does (``add_child`` + revision +
publish, search index updated on save) for a sample of the same records; the
studio imports the full MedQuAD file plus the ICD-10 categories, with search
indexing. Prints entries per second side by side.

    python benchmarks/bench_import.py [--data ../shared/data] [--baseline-sample 150]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from benchmark_database import ROOT, migrate, setup_django, use_sqlite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--baseline-sample", type=int, default=150)
    args = parser.parse_args()
    setup_django(use_sqlite("import"))
    logging.disable(logging.INFO)
    migrate()

    from wagtail.blocks import StreamValue
    from wagtail.models import Locale

    from cms.core.studio_setup import ensure_site_tree
    from cms.encyclopedia.importer import ICD_MAP_PATH, import_encyclopedia, locate_sources
    from cms.encyclopedia.medquad import MalformedRecord, read_icd_map, read_medquad
    from cms.encyclopedia.models import EncyclopediaEntry, EncyclopediaIndexPage

    data = Path(args.data)
    medquad, _icd = locate_sources(data)
    tree = ensure_site_tree()

    # Baseline: stock Wagtail, one page at a time, under a scratch index page.
    scratch = EncyclopediaIndexPage(title="Baseline", slug="baseline-import", locale=Locale.objects.get(language_code="en"))
    tree["en"]["home"].add_child(instance=scratch)
    records = []
    for _line, record in read_medquad(medquad, read_icd_map(ICD_MAP_PATH)):
        if not isinstance(record, MalformedRecord):
            records.append(record)
        if len(records) >= args.baseline_sample:
            break
    started = time.perf_counter()
    for number, record in enumerate(records):
        entry = EncyclopediaEntry(
            title=record.title, slug=f"baseline-{number}", source_id=record.source_id, summary=record.summary,
            synonyms="\n".join(record.synonyms), source_name=record.source_name, source_url=record.source_url,
            licence=record.licence,
            sections=StreamValue(EncyclopediaEntry.sections.field.stream_block,
                                 [(kind, {"heading": "", "body": html}) for kind, html in record.sections], is_lazy=False),
        )
        scratch.add_child(instance=entry)
        entry.save_revision().publish()
    baseline_seconds = time.perf_counter() - started
    baseline_rate = len(records) / baseline_seconds

    started = time.perf_counter()
    report = import_encyclopedia(data)
    studio_seconds = time.perf_counter() - started
    studio_rate = report.created / studio_seconds

    started = time.perf_counter()
    again = import_encyclopedia(data)
    rerun_seconds = time.perf_counter() - started

    print()
    print("Encyclopedia import (SQLite, search indexing included)")
    print(f"{'':34}{'entries':>10}{'seconds':>10}{'entries/s':>12}")
    print(f"{'stock Wagtail add_child+publish':34}{len(records):>10}{baseline_seconds:>10.1f}{baseline_rate:>12.1f}")
    print(f"{'studio bulk import (full data)':34}{report.created:>10}{studio_seconds:>10.1f}{studio_rate:>12.1f}")
    print(f"{'studio re-run (all unchanged)':34}{again.unchanged:>10}{rerun_seconds:>10.1f}{again.unchanged / rerun_seconds:>12.1f}")
    print(f"speed-up over stock Wagtail: {studio_rate / baseline_rate:.1f}×; "
          f"skipped malformed lines: {len(report.skipped)}; entries in the database: {EncyclopediaEntry.objects.count()}")


if __name__ == "__main__":
    main()
