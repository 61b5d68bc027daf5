"""The machine-readable side of ``make bench``: each benchmark records its figures here.

A benchmark calls :func:`record` once per figure it measured against a
baseline. When ``run_all.py`` runs it, ``KEPU_BENCH_RESULTS`` names a JSON
Lines file the records are appended to; ``run_all.py`` then gathers them into
``benchmarks/results.json`` so runs can be compared. Run on its own, a
benchmark only prints. ``KEPU_BENCH_QUICK=1`` (``make bench QUICK=1``) asks
every benchmark for a short run: the figures are then only a smoke test.
"""

from __future__ import annotations

import json
import os
from typing import Literal

RESULTS_ENV = "KEPU_BENCH_RESULTS"
QUICK_ENV = "KEPU_BENCH_QUICK"

#: "higher": more is better (throughput, speed-up); "lower": less is better (seconds, latency, memory).
Direction = Literal["higher", "lower"]


def quick() -> bool:
    """Whether this is a short smoke run (``make bench QUICK=1``)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def record(
    benchmark: str,
    figure: str,
    value: float,
    *,
    unit: str,
    baseline: float | None = None,
    baseline_name: str = "",
    target: float | None = None,
    target_on: Literal["value", "ratio"] = "ratio",
    better: Direction = "higher",
    comparable: str = "",
) -> dict:
    """Record one figure; ``ratio`` is value / baseline, and ``met`` compares ``target_on`` with ``target``."""
    ratio = value / baseline if baseline else None
    checked = ratio if target_on == "ratio" else value
    met = None
    if target is not None and checked is not None:
        met = checked >= target if better == "higher" else checked <= target
    entry = {
        "benchmark": benchmark,
        "figure": figure,
        "value": round(value, 6),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 6),
        "baseline_name": baseline_name,
        "ratio": None if ratio is None else round(ratio, 4),
        "target": target,
        "target_on": target_on,
        "better": better,
        "met": met,
        "comparable": comparable,
        "quick": quick(),
    }
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry
