"""Search latency through the public entry points over the whole imported encyclopedia, SQLite and PostgreSQL.

Each database runs in its own child process (Django binds one default database per process):
fresh schema and full import (or ``--sqlite``/``--postgres`` to reuse a database built before),
``VACUUM ANALYZE`` on PostgreSQL (what autovacuum does after a bulk load; the local server runs
with it off: without statistics the planner guessed 1 row for 7,085 pages, and the GIN index's
pending list, which only a vacuum merges, was scanned row by row), then a real server:
gunicorn, one sync worker, production settings with Redis as the cache (``search_bench_settings``),
and every query of a fixed mixed list — the everyday Chinese names of tests/data (dev and held-out),
English MedQuAD names and phrases, pinyin — sent one at a time over HTTP on the loopback to

* the public search page, ``/search/?q=`` (view, search, paginator count, template), page 1,
  and page 2 of the queries that have one;
* the API, ``/api/v2/pages/?search=&type=encyclopedia.EncyclopediaEntry`` (count, page, JSON).

"Cold" is each query's first request to the freshly started server (after one unrelated warm-up
request per entry point: templates, URLconf and the jieba dictionary load there), "warm" its
repeats. Two figures per request: the client's wall time (connect, request, whole body) and the
CPU the server process spent on it (``Server-Timing: cpu``): on a shared machine the wall time
also holds the wait for a core, the CPU time is what the request costs.

The baseline is the plain way to do the same search by hand: one SQL statement for the top 20
and one for the (bounded) count, over the same index table (FTS5 MATCH and weighted bm25 on
SQLite; ``@@`` on the stored tsvector and ``ts_rank_cd`` on PostgreSQL), on an open cursor,
with the same query words. Its output is checked against the API's: the same 20 ids in the
same order and the same total, query by query.

    python benchmarks/bench_search.py [--repeat 3] [--sqlite FILE] [--postgres URL] [--limit N]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from benchmark_database import ROOT, migrate, postgres_url_if_reachable, setup_django, use_sqlite
from results import quick, record

ENGLISH = [
    "heart attack",
    "high blood pressure",
    "diabetes",
    "asthma in children",
    "kidney stones",
    "breast cancer treatment",
    "flu",
    "migraine",
    "stroke rehabilitation",
    "Gouty arthritis",
    "Osteoporosis",
    "Toxoplasmosis",
    "Wilson Disease",
    "Noonan syndrome",
    "Arthritis",
    "Sleep Deprivation",
    "Alpha-1 Antitrypsin Deficiency",
    "Holes in the Heart",
    "Diabetic Nerve Problems",
    "Progressive myoclonic epilepsy",
    "familial dysautonomia",
    "Smith-Lemli-Opitz syndrome",
    "Haemophilus Infections",
    "Plastic and Cosmetic Surgery",
    "Hemifacial microsomia",
    "Cavernous Malformation",
    "Wolman disease",
    "Nephropathic cystinosis",
    "Fahr's Syndrome",
    "3-M syndrome",
    "Myocardial infarction",
    "chest pain",
    "headache",
    "back pain",
    "depression",
    "anxiety",
    "pneumonia",
    "hepatitis B",
    "liver cancer",
    "lung cancer",
    "prostate cancer",
    "colon cancer screening",
    "anemia",
    "thyroid",
    "obesity",
    "high cholesterol",
    "heart failure",
    "chronic kidney disease",
    "COPD",
    "sickle cell disease",
    "cystic fibrosis",
    "Down syndrome",
    "autism",
    "epilepsy in children",
    "hearing loss",
    "glaucoma",
    "cataract",
    "psoriasis",
    "eczema",
    "what are the symptoms of gout",
]
PINYIN = ["gaoxueya", "gao xue ya", "tangniaobing", "naochuxue", "ganai", "xinjigengsi", "xueya", "tongfeng"]
ENTRY_TYPE = "encyclopedia.EncyclopediaEntry"


def queries() -> list[str]:
    import csv

    data = ROOT / "tests" / "data"
    chinese = []
    for name in ("search_queries_dev.tsv", "search_queries_heldout.tsv"):
        lines = [
            line for line in (data / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
        ]
        chinese += [row["query"] for row in csv.DictReader(lines, delimiter="\t")]
    return list(dict.fromkeys(chinese + ENGLISH + PINYIN))


def _p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return timings[max(int(len(timings) * 0.95 + 0.5) - 1, 0)]


def _summary(cold: list[float], warm: list[float]) -> dict:
    return {
        "cold_p50": statistics.median(cold),
        "cold_p95": _p95(cold),
        "warm_p50": statistics.median(warm),
        "warm_p95": _p95(warm),
        "requests": len(cold) + len(warm),
    }


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with one sync worker on the benchmark's database, production settings, Redis as the cache."""

    def __init__(self, database_url: str):
        here = Path(__file__).resolve().parent
        self.port = _free_port()
        self.prefix = f"kepu-bench-search-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "search_bench_settings",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "KEPU_BENCH_CACHE_PREFIX": self.prefix,
            "KEPU_FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kepu.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--pythonpath",
                f"{here},{ROOT}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=sys.stderr,
        )
        deadline = time.monotonic() + 120  # a shared, loaded machine starts Django slowly
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start within 120 s")

    def get(self, path: str, params: dict | None = None) -> tuple[float, float, int, bytes]:
        """(wall ms, server CPU ms, status, body) of one GET on a new connection (sync workers close it)."""
        url = f"{path}?{urlencode(params)}" if params else path
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        connection.request("GET", url, headers={"Host": HOST})
        response = connection.getresponse()
        body = response.read()
        wall = (time.perf_counter() - started) * 1000
        connection.close()
        timing = dict(part.strip().split(";dur=") for part in response.headers.get("Server-Timing", "").split(","))
        return wall, float(timing["cpu"]), response.status, body

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        try:
            import redis

            client = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
            keys = list(client.scan_iter(match=f"{self.prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        except Exception:  # noqa: BLE001, S110 - leftover cache keys under a unique prefix harm nothing
            pass


def measure(database_url: str, data: Path, repeat: int, limit: int | None, reuse: bool) -> dict:
    setup_django(database_url)
    logging.disable(logging.INFO)
    migrate()
    from django.db import connection

    from cms.encyclopedia.importer import import_encyclopedia
    from cms.encyclopedia.models import EncyclopediaEntry

    import_seconds = None
    if not (reuse and EncyclopediaEntry.objects.exists()):
        import_seconds, _report = _timed(lambda: import_encyclopedia(data))
        import_seconds /= 1000
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    entries = EncyclopediaEntry.objects.count()
    connection.close()
    asked = queries()[:limit] if limit else queries()
    endpoints = {
        "search page": lambda q, **extra: ("/search/", {"q": q, **extra}),
        "API v2": lambda q: ("/api/v2/pages/", {"search": q, "type": ENTRY_TYPE}),
    }
    server = Server(database_url)
    try:
        for request in endpoints.values():  # templates, URLconf and the jieba dictionary load here, not in "cold"
            assert server.get(*request("预热 warm-up"))[2] == 200
        names = [*endpoints, "search page 2"]
        timings = {name: ([], []) for name in names}  # wall: cold, warm
        cpu = {name: ([], []) for name in names}
        api_output = {}

        def ask(name, request):
            wall, spent, status, body = server.get(*request)
            assert status == 200, (name, request, status)
            timings[name][min(round_, 1)].append(wall)
            cpu[name][min(round_, 1)].append(spent)
            return body

        for round_ in range(1 + repeat):
            for query in asked:
                ask("search page", endpoints["search page"](query))
                body = json.loads(ask("API v2", endpoints["API v2"](query)))
                if round_ == 0:
                    api_output[query] = ([item["id"] for item in body["items"]], body["meta"]["total_count"])
                if api_output[query][1] > 20:
                    ask("search page 2", endpoints["search page"](query, page=2))
        # The floor: the same entry points asked without a search (the empty search page, the API's first 20
        # entries), as often as the warm searches: what the framework costs before any search is made.
        floor = {}
        for name, request in {"search page": ("/search/",), "API v2": ("/api/v2/pages/", {"type": ENTRY_TYPE})}.items():
            spent = [server.get(*request)[:2] for _ in range(repeat * len(asked))]
            walls, cpus = [wall for wall, _cpu in spent], [cpu for _wall, cpu in spent]
            floor[name] = {
                "warm_p50": statistics.median(walls),
                "warm_p95": _p95(walls),
                "cpu_p50": statistics.median(cpus),
                "cpu_p95": _p95(cpus),
            }
    finally:
        server.stop()
    baseline, agreement = _baseline(asked, repeat, api_output)
    return {
        "entries": entries,
        "import_s": import_seconds,
        "queries": len(asked),
        "endpoints": {name: _summary(*pair) for name, pair in timings.items() if pair[0]},
        "cpu": {name: _summary(*pair) for name, pair in cpu.items() if pair[0]},
        "baseline": baseline,
        "agreement": agreement,
        "floor": floor,
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
            return " | ".join(
                "(" + " & ".join("'" + word.replace("'", "''") + "'" for word in words) + ")" for words in alternatives
            )

        rank = f"ts_rank_cd('{get_sql_weights()}'::float4[], e.kepu_vector, to_tsquery(%(q)s), 1)"
        hits = (
            f"FROM {table} e JOIN wagtailcore_page p ON p.id = e.object_id::integer "
            f"WHERE e.content_type_id = {entry_type} AND e.kepu_vector @@ to_tsquery(%(q)s) AND p.live"
        )
        top = (
            f"SELECT p.id {hits} ORDER BY (e.kepu_vector @@ to_tsquery(%(keys)s)) DESC, {rank} DESC, "
            f"e.object_id LIMIT 20"
        )
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
            return " OR ".join(
                "(" + " AND ".join('"' + word.replace('"', '""') + '"' for word in words) + ")"
                for words in alternatives
            )

        # CROSS JOIN: the FTS5 table first (SQLite keeps the written order), as the studio's query plans it.
        hits = (
            f"FROM {table}_fts f CROSS JOIN {table} e ON e.id = f.rowid "
            f"JOIN wagtailcore_page p ON p.id = CAST(e.object_id AS INTEGER) "
            f"WHERE {table}_fts MATCH %s AND e.content_type_id = {entry_type} AND p.live"
        )
        exact = f"e.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s)"
        top = f"SELECT p.id {hits} ORDER BY {exact} DESC, bm25({table}_fts, 0.0, 1.0, 8.0), e.object_id LIMIT 20"
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
    terms("预热 warm-up")  # the jieba dictionary loads here, not in the first query's time
    with connection.cursor() as cursor:
        for round_ in range(1 + repeat):
            for query in asked:
                elapsed, output = _timed(lambda query=query: run(cursor, query))
                (warm if round_ else cold).append(elapsed)
                if round_ == 0:
                    same.append(output == tuple(api_output[query]) or list(output) == list(api_output[query]))
    return _summary(cold, warm), {
        "same": sum(same),
        "of": len(same),
        "differ": [query for query, ok in zip(asked, same, strict=True) if not ok][:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("KEPU_DATA_DIR", str(ROOT.parent / "shared" / "data")))
    parser.add_argument(
        "--repeat", type=int, default=1 if quick() else 3, help="warm repeats of every query (after the cold one)"
    )
    parser.add_argument("--limit", type=int, default=40 if quick() else None, help="only the first N queries")
    parser.add_argument("--sqlite", help="reuse this SQLite file (imported if empty) instead of a fresh one")
    parser.add_argument("--postgres", help="reuse this PostgreSQL database URL instead of a fresh one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.database_url, Path(args.data), args.repeat, args.limit, args.reuse)))
        return
    runs = {
        "SQLite (FTS5)": (f"sqlite:///{Path(args.sqlite).resolve()}", True)
        if args.sqlite
        else (use_sqlite("search"), False)
    }
    postgres = (args.postgres, True) if args.postgres else (postgres_url_if_reachable("search"), False)
    if postgres[0]:
        runs["PostgreSQL"] = postgres
    results = {}
    for name, (url, reuse) in runs.items():
        command = [
            sys.executable,
            __file__,
            "--child",
            "--database-url",
            url,
            "--data",
            args.data,
            "--repeat",
            str(args.repeat),
            *(["--limit", str(args.limit)] if args.limit else []),
            *(["--reuse"] if reuse else []),
        ]
        child = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parent)
        if child.returncode:
            sys.exit(f"{name}: the benchmark failed\n{child.stderr[-3000:]}")
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    report(results, args.repeat)


TARGET_P95_MS = 25.0
COMPARABLE = (
    "same index rows, query words (jieba, name keys, pinyin), ranking, top 20 and bounded count (checked "
    "query by query); not comparable: the endpoints also take an HTTP request through gunicorn and the "
    "middleware, apply the queryset's filters (live, public, site), load the pages and render HTML or JSON; "
    "the baseline is two statements on an open cursor"
)


def report(results: dict, repeat: int) -> None:
    first = next(iter(results.values()))
    print()
    print(
        f"Search latency through a real server (gunicorn, 1 sync worker, production settings, Redis cache; "
        f"one request at a time over loopback HTTP), {first['queries']} queries (zh, en, pinyin), "
        f"1 cold + {repeat} warm each, ms. wall = client's time for the whole response; cpu = server CPU"
    )
    print(
        f"{'database':15}{'entry point':17}{'cold p50':>9}{'cold p95':>9}{'warm p50':>9}{'warm p95':>9}"
        f"{'cpu p50':>9}{'cpu p95':>9}{'requests':>9}  target p95 <= {TARGET_P95_MS:.0f}"
    )
    for database, result in results.items():
        for name, row in result["endpoints"].items():
            spent = result["cpu"][name]
            print(
                f"{database:15}{name:17}{row['cold_p50']:>9.1f}{row['cold_p95']:>9.1f}{row['warm_p50']:>9.1f}"
                f"{row['warm_p95']:>9.1f}{spent['warm_p50']:>9.1f}{spent['warm_p95']:>9.1f}{row['requests']:>9}"
            )
        row = result["baseline"]
        print(
            f"{database:15}{'baseline: SQL':17}{row['cold_p50']:>9.1f}{row['cold_p95']:>9.1f}{row['warm_p50']:>9.1f}"
            f"{row['warm_p95']:>9.1f}{'':>18}{row['requests']:>9}"
        )
        for name, row in result["floor"].items():
            print(
                f"{database:15}{name + ', no q':17}{'':>18}{row['warm_p50']:>9.1f}{row['warm_p95']:>9.1f}"
                f"{row['cpu_p50']:>9.1f}{row['cpu_p95']:>9.1f}"
            )
        agreement = result["agreement"]
        imported = f"; import {result['import_s']:.0f} s" if result["import_s"] is not None else ""
        print(
            f"{'':15}same top 20 and total as the API for {agreement['same']}/{agreement['of']} queries"
            f"{' (differ: ' + ', '.join(agreement['differ']) + ')' if agreement['differ'] else ''}; "
            f"{result['entries']} entries{imported}; no hits: {', '.join(result['no_hits']) or '-'}"
        )
        for name in ("search page", "API v2"):
            for phase in ("warm", "cold"):
                record(
                    "search",
                    f"{database} {name} {phase} p95",
                    result["endpoints"][name][f"{phase}_p95"],
                    unit="ms",
                    baseline=result["baseline"][f"{phase}_p95"],
                    baseline_name="hand-written SQL",
                    target=TARGET_P95_MS,
                    target_on="value",
                    better="lower",
                    comparable=COMPARABLE,
                )
            record(
                "search",
                f"{database} {name} server CPU warm p95",
                result["cpu"][name]["warm_p95"],
                unit="ms",
                target=TARGET_P95_MS,
                target_on="value",
                better="lower",
                comparable="CPU the server process spent per request: the wall time without the wait for a core",
            )
    print("'no q' rows: the same entry point without a search, the floor the framework sets on this machine.")
    print(f"Comparable: {COMPARABLE}.")


if __name__ == "__main__":
    main()
