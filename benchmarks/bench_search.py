"""Search latency through the public entry points over the whole imported encyclopedia, SQLite and PostgreSQL.

Each database runs in its own child process (Django binds one default database per process):
fresh schema and full import (or ``--sqlite``/``--postgres`` to reuse a database built before),
then every query of a fixed mixed list — the everyday Chinese names of tests/data (dev and
held-out), English MedQuAD names and phrases, pinyin — through

* the public search page, ``/search/?q=`` (view, search, paginator count, template), page 1,
  and page 2 of the queries that have one;
* the API, ``/api/v2/pages/?search=&type=encyclopedia.EncyclopediaEntry`` (count, page, JSON);
* the admin search, ``/admin/pages/search/?q=`` as a superuser (autocomplete, facets, listing),

with Django's test client: whole requests through the middleware stack, in process, no HTTP
socket. "Cold" is each query's first request in the process, "warm" its repeats.

The baseline is the plain way to do the same search by hand: one SQL statement for the top 20
and one for the (bounded) count, over the same index table (FTS5 MATCH and weighted bm25 on
SQLite; ``@@`` on the stored tsvector and ``ts_rank_cd`` on PostgreSQL), on an open cursor,
with the same query words. Its output is checked against the API's: the same 20 ids in the
same order and the same total, query by query.

    python benchmarks/bench_search.py [--repeat 3] [--sqlite FILE] [--postgres URL] [--limit N]
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

ENGLISH = [
    "heart attack", "high blood pressure", "diabetes", "asthma in children", "kidney stones",
    "breast cancer treatment", "flu", "migraine", "stroke rehabilitation", "Gouty arthritis",
    "Osteoporosis", "Toxoplasmosis", "Wilson Disease", "Noonan syndrome", "Arthritis", "Sleep Deprivation",
    "Alpha-1 Antitrypsin Deficiency", "Holes in the Heart", "Diabetic Nerve Problems", "Progressive myoclonic epilepsy",
    "familial dysautonomia", "Smith-Lemli-Opitz syndrome", "Haemophilus Infections", "Plastic and Cosmetic Surgery",
    "Hemifacial microsomia", "Cavernous Malformation", "Wolman disease", "Nephropathic cystinosis", "Fahr's Syndrome",
    "3-M syndrome", "Myocardial infarction", "chest pain", "headache", "back pain", "depression", "anxiety",
    "pneumonia", "hepatitis B", "liver cancer", "lung cancer", "prostate cancer", "colon cancer screening",
    "anemia", "thyroid", "obesity", "high cholesterol", "heart failure", "chronic kidney disease", "COPD",
    "sickle cell disease", "cystic fibrosis", "Down syndrome", "autism", "epilepsy in children", "hearing loss",
    "glaucoma", "cataract", "psoriasis", "eczema", "what are the symptoms of gout",
]
PINYIN = ["gaoxueya", "gao xue ya", "tangniaobing", "naochuxue", "ganai", "xinjigengsi", "xueya", "tongfeng"]
ENTRY_TYPE = "encyclopedia.EncyclopediaEntry"


def queries() -> list[str]:
    import csv

    data = ROOT / "tests" / "data"
    chinese = []
    for name in ("search_queries_dev.tsv", "search_queries_heldout.tsv"):
        lines = [line for line in (data / name).read_text(encoding="utf-8").splitlines()
                 if line and not line.startswith("#")]
        chinese += [row["query"] for row in csv.DictReader(lines, delimiter="\t")]
    return list(dict.fromkeys(chinese + ENGLISH + PINYIN))


def _p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return timings[max(int(len(timings) * 0.95 + 0.5) - 1, 0)]


def _summary(cold: list[float], warm: list[float]) -> dict:
    return {"cold_p50": statistics.median(cold), "cold_p95": _p95(cold),
            "warm_p50": statistics.median(warm), "warm_p95": _p95(warm), "requests": len(cold) + len(warm)}


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure(database_url: str, data: Path, repeat: int, limit: int | None, reuse: bool) -> dict:
    setup_django(database_url)
    logging.disable(logging.INFO)
    migrate()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from cms.encyclopedia.importer import import_encyclopedia
    from cms.encyclopedia.models import EncyclopediaEntry

    import_seconds = None
    if not (reuse and EncyclopediaEntry.objects.exists()):
        import_seconds, _report = _timed(lambda: import_encyclopedia(data))
        import_seconds /= 1000
    asked = queries()[:limit] if limit else queries()
    public = Client(HTTP_HOST="127.0.0.1")
    admin = Client(HTTP_HOST="127.0.0.1")
    user = get_user_model().objects.filter(username="bench-search-admin").first() or \
        get_user_model().objects.create_superuser("bench-search-admin", "bench@example.org", None)
    admin.force_login(user)
    endpoints = {
        "search page": lambda q, **extra: public.get("/search/", {"q": q, **extra}),
        "API v2": lambda q: public.get("/api/v2/pages/", {"search": q, "type": ENTRY_TYPE}),
        "admin search": lambda q: admin.get("/admin/pages/search/", {"q": q}),
    }
    for call in endpoints.values():  # templates, URLconf and the jieba dictionary load here, not in "cold"
        assert call("预热 warm-up").status_code == 200
    timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in [*endpoints, "search page 2"]}
    api_output = {}
    for round_ in range(1 + repeat):
        for query in asked:
            for name, call in endpoints.items():
                elapsed, response = _timed(lambda call=call: call(query))
                assert response.status_code == 200, (name, query, response.status_code)
                timings[name][min(round_, 1)].append(elapsed)
                if name == "API v2" and round_ == 0:
                    body = response.json()
                    api_output[query] = ([item["id"] for item in body["items"]], body["meta"]["total_count"])
            if api_output[query][1] > 20:
                elapsed, response = _timed(lambda: endpoints["search page"](query, page=2))
                assert response.status_code == 200, ("search page 2", query)
                timings["search page 2"][min(round_, 1)].append(elapsed)
    # The floor: the same entry points asked without a search (the empty search page, the API's first 20
    # entries), as often as the warm searches: what the framework costs before any search is made.
    floors = {"search page": lambda: public.get("/search/"),
              "API v2": lambda: public.get("/api/v2/pages/", {"type": ENTRY_TYPE})}
    floor = {}
    for name, call in floors.items():
        spent = [_timed(call)[0] for _ in range(repeat * len(asked))]
        floor[name] = {"warm_p50": statistics.median(spent), "warm_p95": _p95(spent)}
    baseline, agreement = _baseline(asked, repeat, api_output)
    return {
        "entries": EncyclopediaEntry.objects.count(), "import_s": import_seconds, "queries": len(asked),
        "endpoints": {name: _summary(*pair) for name, pair in timings.items() if pair[0]},
        "baseline": baseline, "agreement": agreement, "floor": floor,
        "no_hits": [query for query, (_ids, total) in api_output.items() if total == 0],
    }


def _baseline(asked: list[str], repeat: int, api_output: dict) -> tuple[dict, dict]:
    """The same searches as hand-written SQL on one cursor: top 20 and the bounded count."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from modelsearch.conf import get_app_config

    from cms.encyclopedia.models import EncyclopediaEntry
    from cms.search.backends.ranking import HIT_LIMIT
    from cms.search.names import name_key, pinyin_key, pinyin_query
    from cms.search.segmentation import segment_query

    entry_type = ContentType.objects.get_for_model(EncyclopediaEntry).pk
    table = get_app_config().get_model("IndexEntry")._meta.db_table

    def terms(query: str) -> tuple[list[list[str]], list[str]]:
        """The query's alternatives (each a list of words that must all match) and its name keys."""
        words = segment_query(query)
        pinyin = pinyin_query(query)
        alternatives = [words.split()] if words else []
        keys = [key for key in (name_key(query), pinyin and pinyin_key(pinyin)) if key]
        if pinyin and pinyin != words.casefold():
            alternatives.append([pinyin])
        return alternatives + [[key] for key in keys], keys

    if connection.vendor == "postgresql":
        from modelsearch.backends.database.postgres.weights import get_sql_weights

        def tsquery(alternatives):
            return " | ".join("(" + " & ".join("'" + word.replace("'", "''") + "'" for word in words) + ")"
                              for words in alternatives)

        rank = f"ts_rank_cd('{get_sql_weights()}'::float4[], e.kepu_vector, to_tsquery(%(q)s), 1)"
        hits = (f"FROM {table} e JOIN wagtailcore_page p ON p.id = e.object_id::integer "
                f"WHERE e.content_type_id = {entry_type} AND e.kepu_vector @@ to_tsquery(%(q)s) AND p.live")
        top = (f"SELECT p.id {hits} ORDER BY (e.kepu_vector @@ to_tsquery(%(keys)s)) DESC, {rank} DESC, "
               f"e.object_id LIMIT 20")
        count = f"SELECT count(*) FROM (SELECT 1 {hits} LIMIT {HIT_LIMIT}) AS bounded"

        def run(cursor, query):
            alternatives, keys = terms(query)
            if not alternatives:
                return [], 0
            params = {"q": tsquery(alternatives), "keys": tsquery([[key] for key in keys]) if keys else "''"}
            cursor.execute(top, params)
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(count, params)
            return ids, cursor.fetchone()[0]
    else:
        def match(alternatives):
            return " OR ".join("(" + " AND ".join('"' + word.replace('"', '""') + '"' for word in words) + ")"
                               for words in alternatives)

        # CROSS JOIN: the FTS5 table first (SQLite keeps the written order), as the studio's query plans it.
        hits = (f"FROM {table}_fts f CROSS JOIN {table} e ON e.id = f.rowid "
                f"JOIN wagtailcore_page p ON p.id = CAST(e.object_id AS INTEGER) "
                f"WHERE {table}_fts MATCH %s AND e.content_type_id = {entry_type} AND p.live")
        exact = f"e.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s)"
        top = (f"SELECT p.id {hits} ORDER BY {exact} DESC, bm25({table}_fts, 0.0, 1.0, 8.0), e.object_id LIMIT 20")
        count = f"SELECT count(*) FROM (SELECT 1 {hits} LIMIT {HIT_LIMIT})"

        def run(cursor, query):
            alternatives, keys = terms(query)
            if not alternatives:
                return [], 0
            text = match(alternatives)
            cursor.execute(top, [text, "body: (" + match([[key] for key in keys]) + ")" if keys else "body: kx"])
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(count, [text])
            return ids, cursor.fetchone()[0]

    cold, warm, same = [], [], []
    with connection.cursor() as cursor:
        for round_ in range(1 + repeat):
            for query in asked:
                elapsed, output = _timed(lambda query=query: run(cursor, query))
                (warm if round_ else cold).append(elapsed)
                if round_ == 0:
                    same.append(output == tuple(api_output[query]) or list(output) == list(api_output[query]))
    return _summary(cold, warm), {"same": sum(same), "of": len(same),
                                  "differ": [query for query, ok in zip(asked, same, strict=True) if not ok][:10]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=3, help="warm repeats of every query (after the cold one)")
    parser.add_argument("--limit", type=int, help="only the first N queries (quick runs)")
    parser.add_argument("--sqlite", help="reuse this SQLite file (imported if empty) instead of a fresh one")
    parser.add_argument("--postgres", help="reuse this PostgreSQL database URL instead of a fresh one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.database_url, Path(args.data), args.repeat, args.limit, args.reuse)))
        return
    runs = {"SQLite (FTS5)": (f"sqlite:///{Path(args.sqlite).resolve()}", True) if args.sqlite
            else (use_sqlite("search"), False)}
    postgres = (args.postgres, True) if args.postgres else (postgres_url_if_reachable("search"), False)
    if postgres[0]:
        runs["PostgreSQL"] = postgres
    results = {}
    for name, (url, reuse) in runs.items():
        command = [sys.executable, __file__, "--child", "--database-url", url, "--data", args.data,
                   "--repeat", str(args.repeat), *(["--limit", str(args.limit)] if args.limit else []),
                   *(["--reuse"] if reuse else [])]
        child = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parent)
        if child.returncode:
            sys.exit(f"{name}: the benchmark failed\n{child.stderr[-3000:]}")
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    report(results, args.repeat)


def report(results: dict, repeat: int) -> None:
    first = next(iter(results.values()))
    print()
    print(f"Search latency, whole requests through Django's test client (in process, no socket), "
          f"{first['queries']} queries (zh, en, pinyin), 1 cold + {repeat} warm each, ms")
    print(f"{'database':15}{'entry point':16}{'cold p50':>9}{'cold p95':>9}{'warm p50':>9}{'warm p95':>9}"
          f"{'requests':>9}  target p95 <= 25")
    for database, result in results.items():
        rows = {**result["endpoints"], "baseline: SQL": result["baseline"]}
        for name, row in rows.items():
            print(f"{database:15}{name:16}{row['cold_p50']:>9.1f}{row['cold_p95']:>9.1f}{row['warm_p50']:>9.1f}"
                  f"{row['warm_p95']:>9.1f}{row['requests']:>9}")
        for name, row in result["floor"].items():
            print(f"{database:15}{name + ', no q':16}{'':>9}{'':>9}{row['warm_p50']:>9.1f}{row['warm_p95']:>9.1f}")
        agreement = result["agreement"]
        api = result["endpoints"]["API v2"]
        imported = f"; import {result['import_s']:.0f} s" if result["import_s"] is not None else ""
        print(f"{'':15}API v2 / baseline warm p50: {api['warm_p50'] / max(result['baseline']['warm_p50'], 0.01):.1f}x; "
              f"same top 20 and total as the API for {agreement['same']}/{agreement['of']} queries"
              f"{' (differ: ' + ', '.join(agreement['differ']) + ')' if agreement['differ'] else ''}; "
              f"{result['entries']} entries{imported}; no hits: {', '.join(result['no_hits']) or '-'}")
    print("'no q' rows: the same entry point without a search, the floor the framework sets on this machine.")
    print("Comparable: the same index rows, query words (jieba, name keys, pinyin), ranking, top 20 and bounded "
          "count (checked above). Not comparable: the endpoints also parse the request, check the queryset's "
          "filters (live, public, site), load the specific pages and render HTML or JSON (the admin also facets "
          "by type and draws its listing); the baseline is two statements on an open cursor, entries only.")


if __name__ == "__main__":
    main()
