"""Search latency over the fully imported encyclopedia, on SQLite and on PostgreSQL.

Each database runs in its own child process (Django binds one default
database per process): fresh schema, full import, then a fixed list of
Chinese and English queries, each repeated, timing the backend search that
the site search page and the API run (first 20 results fetched), and the
whole request through the public search page (/search/?q=) and the API
(/api/v2/pages/?search=). Prints p50/p95 per database side by side.

    python benchmarks/bench_search.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmark_database import ROOT, migrate, postgres_url_if_reachable, setup_django, use_sqlite

QUERIES = [
    "血压", "高血压", "糖尿病", "痛风", "心肌梗死", "肺炎", "乳房恶性肿瘤", "哮喘", "贫血", "骨质疏松",
    "Gouty arthritis", "heart attack", "high blood pressure", "diabetes", "asthma in children",
    "kidney stones", "breast cancer treatment", "flu", "migraine", "stroke rehabilitation",
    "脑出血", "肝癌", "颈椎病", "gaoxueya",
]


def measure(database_url: str, data: Path, repeat: int) -> dict:
    setup_django(database_url)
    logging.disable(logging.INFO)
    migrate()
    from cms.encyclopedia.importer import import_encyclopedia
    from cms.encyclopedia.models import EncyclopediaEntry

    started = time.perf_counter()
    report = import_encyclopedia(data)
    import_seconds = time.perf_counter() - started
    entries = EncyclopediaEntry.objects.live()
    list(entries.search("warm up")[:20])
    timings, hits = [], {}
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            results = list(entries.search(query)[:20])
            timings.append((time.perf_counter() - started) * 1000)
            hits[query] = len(results)
    timings.sort()
    pages = {"page": _request_timings("/search/", "q", repeat),
             "api": _request_timings("/api/v2/pages/", "search", repeat, type="encyclopedia.EncyclopediaEntry")}
    return {
        "entries": report.created, "import_s": import_seconds, "p50_ms": statistics.median(timings),
        "p95_ms": _p95(timings), "max_ms": timings[-1], "queries": len(timings),
        "no_hits": [query for query, count in hits.items() if count == 0],
        **{f"{name}_p50_ms": statistics.median(values) for name, values in pages.items()},
        **{f"{name}_p95_ms": _p95(values) for name, values in pages.items()},
    }


def _p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return timings[max(int(len(timings) * 0.95) - 1, 0)]


def _request_timings(path: str, parameter: str, repeat: int, **extra) -> list[float]:
    """Whole requests through Django's test client: view, search, template or serializer."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    assert client.get(path, {parameter: "warm up", **extra}).status_code == 200
    timings = []
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            response = client.get(path, {parameter: query, **extra})
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, query, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", choices=["sqlite", "postgres"])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.database_url, Path(args.data), args.repeat)))
        return
    runs = {"SQLite (FTS5)": use_sqlite("search")}
    postgres = postgres_url_if_reachable("search")
    if postgres:
        runs["PostgreSQL"] = postgres
    results = {}
    for name, url in runs.items():
        child = subprocess.run(
            [sys.executable, __file__, "--child", "sqlite" if url.startswith("sqlite") else "postgres",
             "--database-url", url, "--data", args.data, "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True, cwd=Path(__file__).parent,
        )
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    print()
    print(f"Search latency over the imported encyclopedia ({len(QUERIES)} queries × {args.repeat}, first 20 results)")
    print(f"{'database':16}{'entries':>9}{'import s':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
          f"{'page p50':>10}{'page p95':>10}{'API p50':>9}{'API p95':>9}  queries without hits")
    for name, r in results.items():
        print(f"{name:16}{r['entries']:>9}{r['import_s']:>10.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}"
              f"{r['page_p50_ms']:>10.1f}{r['page_p95_ms']:>10.1f}{r['api_p50_ms']:>9.1f}{r['api_p95_ms']:>9.1f}  "
              f"{', '.join(r['no_hits']) or '-'}")


if __name__ == "__main__":
    main()
