"""`make bench`: run every benchmark in turn and print their figures.

Each benchmark measures its own baseline in the same run. Pass names to run
only some: ``python benchmarks/run_all.py import search``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = {
    "import": ["bench_import.py"],
    "search": ["bench_search.py"],
    "voice": ["bench_voice.py"],
    "video": ["bench_video.py"],
    "claims": ["bench_claims.py"],
    "claim-table": ["claim_table_report.py"],
    "fanout": ["bench_fanout.py"],
    "reading": ["bench_reading_page.py"],
}


def main() -> int:
    wanted = sys.argv[1:] or list(BENCHMARKS)
    failures = []
    for name in wanted:
        script = HERE / BENCHMARKS[name][0]
        if not script.exists():
            print(f"== {name}: {script.name} is not there yet, skipped ==")
            continue
        print(f"\n== {name}: {script.name} ==", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script), *BENCHMARKS[name][1:]], cwd=HERE)
        print(f"(finished in {time.perf_counter() - started:.0f} s, exit code {result.returncode})", flush=True)
        if result.returncode:
            failures.append(name)
    if failures:
        print("benchmarks that failed: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
