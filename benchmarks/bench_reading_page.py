"""The shared-link reading page under load, beacon included: cached page against bare Django views, on gunicorn.

Set-up: a temporary SQLite database with the sample bilingual site, a published
article and its share link; production settings (DEBUG off) with Redis as the
shared cache (``BENCH_REDIS_URL``, default the local server, keys under a prefix
of this run); gunicorn on 127.0.0.1 with as many sync workers as cores.

A read is what a phone does: GET ``/s/<token>/`` (served from the cache), then
the page's beacon POST ``/s/<token>/events/`` (a fresh nonce, counted in Redis;
after the load one flush moves the counts to the database, and the link's views
there must equal the beacons answered 204). The baseline does the same two requests against bare views on the
same server: ``/bench-bare/`` (a string of the page's size) and
``/bench-bare/beacon/`` (204, nothing recorded). Measured in the same run:

* throughput with ``wrk`` (a Lua script alternating the GET and the POST);
  target: reading page ≥ 0.8 × baseline;
* latency at a fixed rate of reads (an open-loop generator: reads start on
  schedule whether or not earlier ones finished, latency counts from the
  scheduled time, so a stall is not hidden); p99 over every request of every
  run; target: page p99 ≤ 30 ms;
* revocation: the link is revoked from another process, and fresh connections
  (spread over the workers) poll the page; the last stale answer after the
  revoke must come within 1 s.

    python benchmarks/bench_reading_page.py [--seconds 6] [--rate 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from benchmark_database import ROOT, use_sqlite
from results import quick, record

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
THROUGHPUT_TARGET = 0.8
P99_TARGET_MS = 30.0
REVOCATION_TARGET_MS = 1000.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def prepare_site() -> tuple[str, int]:
    """Migrate, publish the sample site, make a share link; returns (link path, page size in bytes)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    from distribution.sharing.models import share_link_for
    from tests.builders import publish_sample_site

    site = publish_sample_site()
    path = share_link_for(site.article_zh).get_absolute_url()
    response = Client(HTTP_HOST=HOST).get(path)
    if response.status_code != 200:
        raise SystemExit(f"the reading page answered {response.status_code}")
    connections.close_all()
    return path, len(response.content)


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "kepu.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--pythonpath",
        f"{HERE},{ROOT}",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    deadline = time.monotonic() + 120  # a shared, loaded machine starts Django slowly
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/bench-bare/", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 120 s")


def warm(url: str, times: int) -> None:
    for _ in range(times):
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status}")


WRK_SCRIPT = """
local paths = {"%s", "%s"}
local n = 0
request = function()
  n = n + 1
  if n %% 2 == 1 then
    return wrk.format("GET", paths[1])
  end
  local nonce = string.format("%%08x%%08x%%08x%%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff),
                              math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  return wrk.format("POST", paths[2], {["Content-Type"] = "text/plain;charset=UTF-8"},
                    '{"event":"view","nonce":"' .. nonce .. '"}')
end
-- Count the answered beacons (204) in every thread, so the counts flushed to the database can be checked.
local threads = {}
setup = function(thread) table.insert(threads, thread); thread:set("id", #threads) end
init = function(args) beacons = 0; math.randomseed(os.time() * 1000 + id) end  -- each thread its own nonces
response = function(status, headers, body) if status == 204 then beacons = beacons + 1 end end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("beacons") end
  io.write(string.format("beacons answered: %%d\\n", total))
end
"""


def wrk(base: str, page: str, beacon: str, seconds: int, connections: int, folder: Path) -> tuple[float, int]:
    """Requests per second of the alternating GET page / POST beacon mix, and the beacons answered 204."""
    script = folder / f"mix-{uuid.uuid4().hex[:6]}.lua"
    script.write_text(WRK_SCRIPT % (page, beacon))
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{base}{page}: {errors.group(1)} error responses under load\n{output}")
    return (
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        int(re.search(r"beacons answered: (\d+)", output).group(1)),
    )


async def _request(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # until the server closes
    writer.close()
    return status_line


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()


def _post(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\nContent-Type: text/plain;charset=UTF-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _one_read(port: int, page: str, beacon: str, scheduled: float, run: dict) -> None:
    """GET the page, then POST its beacon, as the page's script does."""
    try:
        status = await _request(port, _get(page))
        run["page"].append(time.perf_counter() - scheduled)
        if b" 200 " not in status:
            run["failures"].append(status.decode(errors="replace").strip())
            return
        sent = time.perf_counter()
        body = (f'{{"event":"view","nonce":"{uuid.uuid4().hex}"}}').encode()
        status = await _request(port, _post(beacon, body))
        run["beacon"].append(time.perf_counter() - sent)
        if b" 204 " not in status:
            run["failures"].append("beacon: " + status.decode(errors="replace").strip())
    except OSError as error:
        run["failures"].append(str(error))


async def _fixed_rate(port: int, page: str, beacon: str, rate: int, seconds: int) -> dict:
    run: dict = {"page": [], "beacon": [], "failures": []}
    start = time.perf_counter() + 0.05
    tasks = []
    for index in range(rate * seconds):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one_read(port, page, beacon, scheduled, run)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 30)
    return run


def fixed_rate(port: int, page: str, beacon: str, rate: int, seconds: int) -> dict:
    run = asyncio.run(_fixed_rate(port, page, beacon, rate, seconds))
    if run["failures"]:
        raise SystemExit(f"{page}: {len(run['failures'])} failed requests at {rate} reads/s, e.g. {run['failures'][0]}")
    return run


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "p50": 1000 * statistics.median(ordered),
        "p99": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max": 1000 * ordered[-1],
    }


def revocation_delay(port: int, path: str, workers: int) -> tuple[float, int]:
    """Revoke the link from this process; (ms from the revoke to the last stale 200 seen, requests polled)."""
    from distribution.sharing.models import ShareLink

    token = path.strip("/").split("/")[-1]
    warm(f"http://{HOST}:{port}{path}", 10 * workers)  # every worker has the page
    link = ShareLink.objects.get(token=token)
    revoked = time.perf_counter()
    link.revoke()
    last_stale, polled, gone_in_a_row = None, 0, 0
    deadline = revoked + 5.0
    while gone_in_a_row < 20 * workers and time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=5) as response:
                response.read()
                last_stale, gone_in_a_row = time.perf_counter(), 0
        except urllib.error.HTTPError as error:
            if error.code != 410:
                raise SystemExit(f"a revoked link answered {error.code}") from error
            gone_in_a_row += 1
        polled += 1
    return (1000 * (last_stale - revoked) if last_stale else 0.0), polled


def flush_and_count(path: str) -> tuple[float, int, int]:
    """Flush the beacon counts gathered in Redis (as beat does); (ms, events flushed, views the link now has)."""
    from django.db.models import Sum

    from distribution.sharing.analytics import flush_pending_counts
    from distribution.sharing.models import ReadStat

    token = path.strip("/").split("/")[-1]
    started = time.perf_counter()
    flushed = flush_pending_counts()
    elapsed = 1000 * (time.perf_counter() - started)
    counted = ReadStat.objects.filter(link__token=token).aggregate(n=Sum("views"))["n"] or 0
    return elapsed, flushed, counted


def redis_url() -> str:
    url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise SystemExit(f"the reading-page benchmark needs Redis as the shared cache ({url}): {error}") from None
    return url


def forget_prefix(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=2 if quick() else 6, help="length of each wrk run")
    parser.add_argument(
        "--rate", type=int, default=100, help="reads per second of the fixed-rate runs (2 requests each)"
    )
    parser.add_argument("--rate-seconds", type=int, default=3 if quick() else 10, help="length of each fixed-rate run")
    parser.add_argument("--runs", type=int, default=1 if quick() else 3, help="fixed-rate runs of each side")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): benchmark skipped")
        return 0

    database = use_sqlite("reading")
    folder = Path(database.removeprefix("sqlite:///")).parent
    os.environ["DJANGO_SETTINGS_MODULE"] = "reading_bench_settings"
    os.environ["KEPU_MEDIA_RENDER_ON_PUBLISH"] = "false"
    os.environ["REDIS_URL"] = cache_url = redis_url()
    os.environ.setdefault("KEPU_FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())  # throw-away
    os.environ["KEPU_BENCH_CACHE_PREFIX"] = prefix = f"kepu-bench-reading-{uuid.uuid4().hex[:8]}"
    sys.path.insert(0, str(HERE))
    path, page_bytes = prepare_site()
    os.environ["KEPU_BENCH_BARE_BYTES"] = str(page_bytes)
    beacon = f"{path}events/"

    workers = os.cpu_count() or 2
    port = _free_port()
    server = start_gunicorn(port, workers)
    try:
        base = f"http://{HOST}:{port}"
        warm(base + path, 20 * workers)
        warm(base + "/bench-bare/", 20 * workers)
        with urllib.request.urlopen(base + path) as response:
            cache_control = response.headers["Cache-Control"]
            page_size = len(response.read())
        # Alternate the two, twice, so drift (CPU frequency, other load) hits both alike.
        page_rps, bare_rps, beacons_sent = [], [], 0
        for _ in range(2):
            rps, answered = wrk(base, path, beacon, args.seconds, args.connections, folder)
            page_rps.append(rps)
            beacons_sent += answered
            bare_rps.append(wrk(base, "/bench-bare/", "/bench-bare/beacon/", args.seconds, args.connections, folder)[0])
        # wrk stops with beacons in flight (counted by the server, their answers not awaited): flush here, so the
        # fixed-rate runs, which await every answer, are checked exactly on their own.
        _ms, _flushed, counted_after_wrk = flush_and_count(path)
        settle = fixed_rate(port, path, beacon, args.rate, 2)  # settle the workers at the fixed rate before measuring
        page_runs, bare_runs = [], []
        for _ in range(args.runs):
            page_runs.append(fixed_rate(port, path, beacon, args.rate, args.rate_seconds))
            bare_runs.append(fixed_rate(port, "/bench-bare/", "/bench-bare/beacon/", args.rate, args.rate_seconds))
        awaited = len(settle["beacon"]) + sum(len(run["beacon"]) for run in page_runs)  # fixed_rate refuses any non-204
        flush_ms, flushed, counted = flush_and_count(path)
        revoke_ms, polled = revocation_delay(port, path, workers)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        forget_prefix(cache_url, prefix)

    page_all = percentiles([t for run in page_runs for t in run["page"]])
    bare_all = percentiles([t for run in bare_runs for t in run["page"]])
    beacon_all = percentiles([t for run in page_runs for t in run["beacon"]])
    bare_beacon_all = percentiles([t for run in bare_runs for t in run["beacon"]])
    ratio = statistics.median(page_rps) / statistics.median(bare_rps)
    print(
        f"gunicorn, {workers} sync workers, production settings, SQLite, Redis cache; page {page_size} bytes "
        f"(bare view {page_bytes + 18} bytes); Cache-Control: {cache_control}; {os.cpu_count()} CPUs shared with "
        f"other jobs (load average {os.getloadavg()[0]:.1f}): figures are noisy"
    )
    print(f"{'':34}{'reading page':>14}{'bare views':>12}{'ratio':>8}{'target':>10}")
    print(
        f"{'wrk req/s, GET + beacon POST':34}{statistics.median(page_rps):>14.0f}{statistics.median(bare_rps):>12.0f}"
        f"{ratio:>8.2f}{'≥ ' + str(THROUGHPUT_TARGET):>10}"
    )
    rate = f"@{args.rate} reads/s"
    for label, key in (("page p50 ms", "p50"), ("page p99 ms (all runs)", "p99"), ("page max ms", "max")):
        target = f"≤ {P99_TARGET_MS:.0f}" if key == "p99" else ""
        print(f"{label + ' ' + rate:34}{page_all[key]:>14.1f}{bare_all[key]:>12.1f}{'':>8}{target:>10}")
    print(
        f"{'beacon p50 / p99 ms ' + rate:34}{beacon_all['p50']:>7.1f} /{beacon_all['p99']:>5.1f}"
        f"{bare_beacon_all['p50']:>5.1f} /{bare_beacon_all['p99']:>5.1f}"
    )
    print(f"{'revoke → last stale page (ms)':34}{revoke_ms:>14.0f}{'':>12}{'':>8}{'≤ 1000':>10}  ({polled} polls)")
    exact = (
        counted - counted_after_wrk == awaited == flushed
        and 0 <= counted_after_wrk - beacons_sent <= 2 * args.connections
    )
    print(
        f"beacon counts (Redis, flushed to the database in batches): wrk runs {beacons_sent} answered 204, "
        f"{counted_after_wrk} counted (the difference: beacons in flight when wrk stopped, at most "
        f"{2 * args.connections}); fixed-rate runs {awaited} answered 204, {counted - counted_after_wrk} counted, "
        f"flushed in one batch of {flushed} events in {flush_ms:.0f} ms ({'exact' if exact else 'COUNTS DIFFER'})"
    )

    def listed(values, digits=1):
        return ", ".join(f"{value:.{digits}f}" for value in values)

    print(
        f"(fixed-rate: {args.runs} runs of {args.rate * args.rate_seconds} reads per side; page p99 per run: page "
        f"{listed(percentiles(run['page'])['p99'] for run in page_runs)}, bare "
        f"{listed(percentiles(run['page'])['p99'] for run in bare_runs)} ms; wrk req/s page {listed(page_rps, 0)}, "
        f"bare {listed(bare_rps, 0)})"
    )
    print(
        "comparable: the same server, middleware, request mix, payload size and concurrency; not comparable: the "
        "reading page's beacon validates the event, checks the nonce and the per-link rate and counts it in Redis "
        "(flushed to the database in batches, checked exact above), the bare beacon records nothing"
    )
    record(
        "reading",
        "wrk req/s, page GET + beacon POST",
        statistics.median(page_rps),
        unit="req/s",
        baseline=statistics.median(bare_rps),
        baseline_name="bare Django views of the same size, same mix",
        target=THROUGHPUT_TARGET,
        comparable="same server and mix; the beacon is counted in Redis, flushed to the database in batches",
    )
    record(
        "reading",
        f"page p99 at {args.rate} reads/s, all runs",
        page_all["p99"],
        unit="ms",
        baseline=bare_all["p99"],
        baseline_name="bare view p99, same load",
        target=P99_TARGET_MS,
        target_on="value",
        better="lower",
        comparable="open-loop, every request of every run",
    )
    record(
        "reading",
        "revoke → last stale page on any worker",
        revoke_ms,
        unit="ms",
        target=REVOCATION_TARGET_MS,
        target_on="value",
        better="lower",
        comparable="Redis cache shared by all workers",
    )
    record(
        "reading",
        "beacons counted in the database / answered 204, fixed-rate runs",
        counted - counted_after_wrk,
        unit="events",
        baseline=awaited,
        baseline_name="beacons answered 204",
        target=1.0,
        target_on="ratio",
        comparable="every beacon of the fixed-rate runs, each answer awaited, after one flush; exact means ratio 1",
    )
    met = (
        ratio >= THROUGHPUT_TARGET and page_all["p99"] <= P99_TARGET_MS and revoke_ms <= REVOCATION_TARGET_MS and exact
    )
    print("targets met" if met else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
