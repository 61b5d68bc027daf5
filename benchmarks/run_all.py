"""`make bench`: run every benchmark in turn, print their figures, and write ``results.json``.

Each benchmark measures its own baseline in the same run and records its
figures (see ``results.py``); this script gathers them into
``benchmarks/results.json`` (figure, value, baseline, ratio, target, met, and
what is and is not comparable) and prints them as one table at the end.
Pass names to run only some: ``python benchmarks/run_all.py import voice``;
``--quick`` (``make bench QUICK=1``) makes every benchmark a short smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from results import QUICK_ENV, RESULTS_ENV

HERE = Path(__file__).parent
BENCHMARKS = {
    "import": ["bench_import.py"],
    "search": ["bench_search.py"],
    "voice": ["bench_voice.py"],
    "readings": ["bench_readings.py"],
    "video": ["bench_video.py"],
    "claims": ["bench_claims.py"],
    "claim-table": ["claim_table_report.py"],
    "fanout": ["bench_fanout.py"],
    "reading": ["bench_reading_page.py"],
}


def _git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=False)
    return result.stdout.strip()


def _format(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def print_table(figures: list[dict]) -> None:
    header = f"{'benchmark':<9} {'figure':<44} {'value':>9} {'baseline':>9} {'ratio':>7} {'target':>10} {'met':>4}"
    print("\n" + header + "\n" + "-" * len(header))
    for entry in figures:
        sign = "≥" if entry["better"] == "higher" else "≤"
        target = "" if entry["target"] is None else f"{entry['target_on'][0]}{sign}{_format(entry['target'])}"
        met = {True: "yes", False: "NO", None: ""}[entry["met"]]
        print(
            f"{entry['benchmark']:<9} {entry['figure'][:44]:<44} {_format(entry['value']):>9} "
            f"{_format(entry['baseline']):>9} {_format(entry['ratio']):>7} {target:>10} {met:>4}"
        )
    print("(target: r = on the ratio value/baseline, v = on the value itself)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="short smoke runs (figures not meaningful)")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    wanted = args.names or list(BENCHMARKS)
    unknown = [name for name in wanted if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    env = {**os.environ}
    if args.quick:
        env[QUICK_ENV] = "1"
    failures, runs = [], []
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl", encoding="utf-8") as collected:
        env[RESULTS_ENV] = collected.name
        for name in wanted:
            script = HERE / BENCHMARKS[name][0]
            if not script.exists():
                print(f"== {name}: {script.name} is not there yet, skipped ==")
                continue
            print(f"\n== {name}: {script.name} ==", flush=True)
            started = time.perf_counter()
            result = subprocess.run([sys.executable, str(script), *BENCHMARKS[name][1:]], cwd=HERE, env=env)
            seconds = time.perf_counter() - started
            print(f"(finished in {seconds:.0f} s, exit code {result.returncode})", flush=True)
            runs.append({"benchmark": name, "seconds": round(seconds, 1), "exit_code": result.returncode})
            if result.returncode:
                failures.append(name)
        collected.seek(0)
        figures = [json.loads(line) for line in collected if line.strip()]
    report = {
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "commit": _git_commit(),
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
        "runs": runs,
        "figures": figures,
    }
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(figures)
    print(f"\nwritten: {args.output}")
    if failures:
        print("benchmarks that failed: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
