"""Lighthouse mobile performance of reading pages, several runs each, with what the main thread spends time on.

    cd benchmarks/lighthouse && npm ci            # Lighthouse 12.2.3 (runs on Node 20), from package-lock.json
    python benchmarks/lighthouse/measure.py --runs 5 URL [URL ...]

Serve the pages under production settings first (gunicorn, DEBUG off, WhiteNoise
static files, Redis cache), as the README's *Production notes* describe; the
studio's own media view stands in for the bucket or nginx. Lighthouse's default
mobile profile: simulated slow 4G and a 4× slower CPU (Lantern), Moto G Power
screen. Each figure is the median of the runs; the machine's load (``uptime``)
is printed before and after, since the simulated CPU time scales with what the
real one spent. Debian's Chromium is used (``CHROME_PATH``, default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
METRICS = {
    "first-contentful-paint": "FCP ms",
    "largest-contentful-paint": "LCP ms",
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI ms",
    "mainthread-work-breakdown": "main thread ms",
}


def run_lighthouse(url: str, out: Path) -> dict:
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        sys.exit(f"Lighthouse is not installed: cd {HERE} && npm ci")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(
        [
            str(binary),
            url,
            "--only-categories=performance",
            "--form-factor=mobile",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            "--save-assets",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        check=True,
        env=env,
        timeout=300,
    )
    return json.loads(out.read_text())


def layout_shifts(trace_path: Path) -> list[str]:
    """Each layout shift of the load: its score and the rectangles that moved (Lighthouse 12.2's own
    layout-shift audit fails on this Chromium's traces)."""
    trace = json.loads(trace_path.read_text())
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    shifts = []
    for event in events:
        if event.get("name") == "LayoutShift":
            data = event["args"]["data"]
            moved = [f"{node.get('old_rect')}→{node.get('new_rect')}" for node in data.get("impacted_nodes", [])]
            shifts.append(
                f"{data.get('score', 0):.3f} {'(after input) ' if data.get('had_recent_input') else ''}"
                + "; ".join(moved[:4])
            )
    return shifts


def summary(report: dict, trace_path: Path | None = None) -> dict:
    audits = report["audits"]
    figures = {"score": round(100 * report["categories"]["performance"]["score"])}
    figures["shifts"] = layout_shifts(trace_path) if trace_path and trace_path.exists() else []
    for key, label in METRICS.items():
        figures[label] = audits[key]["numericValue"]
    figures["by category"] = {
        item["groupLabel"]: item["duration"] for item in audits["mainthread-work-breakdown"]["details"]["items"]
    }
    figures["by script"] = {
        item["url"].rsplit("/", 1)[-1] or item["url"]: item["total"]
        for item in audits["bootup-time"]["details"]["items"]
    }
    figures["bytes"] = audits["total-byte-weight"]["numericValue"]
    return figures


def median_of(runs: list[dict]) -> dict:
    result = {key: statistics.median(run[key] for run in runs) for key in ["score", *METRICS.values(), "bytes"]}
    for group in ("by category", "by script"):
        values = defaultdict(list)
        for run in runs:
            for name, duration in run[group].items():
                values[name].append(duration)
        result[group] = {name: statistics.median(v + [0.0] * (len(runs) - len(v))) for name, v in values.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as folder:
        for url in args.urls:
            runs = [
                summary(run_lighthouse(url, Path(folder) / f"run{n}.json"), Path(folder) / f"run{n}-0.trace.json")
                for n in range(args.runs)
            ]
            figures = median_of(runs)
            print(f"\n{url}  ({args.runs} runs, medians)")
            print("  scores: " + ", ".join(str(run["score"]) for run in runs))
            print("  CLS per run: " + ", ".join(f"{run['CLS']:.3f}" for run in runs))
            for n, run in enumerate(runs):
                if run["CLS"] > 0.05:
                    print(f"  run {n + 1} layout shifts: " + " | ".join(run["shifts"]))
            for key in ["score", *METRICS.values(), "bytes"]:
                print(f"  {key:>16}: {figures[key]:.3f}" if key == "CLS" else f"  {key:>16}: {figures[key]:.0f}")
            print(
                "  main thread by category (ms): "
                + ", ".join(
                    f"{name} {ms:.0f}" for name, ms in sorted(figures["by category"].items(), key=lambda kv: -kv[1])
                )
            )
            print(
                "  by script (ms): "
                + ", ".join(
                    f"{name} {ms:.0f}" for name, ms in sorted(figures["by script"].items(), key=lambda kv: -kv[1])
                )
            )
    print("\nload after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
