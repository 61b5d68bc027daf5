"""Fan-out throughput and memory: one article to a patient group over the webhook channel.

The local webhook sink (signature-checking, keep-alive) runs in its own
process. Every measurement runs in a fresh child process on the same seeded
database, so memory figures do not leak between runs:

* throughput at the same concurrency on both sides: the studio's campaign
  (``start_campaign`` + ``deliver_due``: ledger rows, outcomes committed, one
  thread doing every database write) with ``send_threads`` 1 and 4, against
  the plain way of posting the same signed JSON notices, a ``requests`` loop
  (one ``Session``) and a ``ThreadPoolExecutor`` of 4 such loops, nothing
  recorded;
* memory: peak resident set during the studio's fan-out to 10,000 and to
  100,000 patients, minus the child's resident set just before it starts
  (Django loaded, connections open): what the fan-out itself adds.

Targets: studio ≥ 0.5 × the baseline at the same concurrency; the fan-out
adds ≤ 300 MB and about the same at 100,000 as at 10,000. At the end the sink
must have accepted every message each run sent, with no bad signature.

    .venv/bin/python benchmarks/bench_fanout.py [--throughput-size 10000] [--sizes 10000 100000]

The database is a fresh SQLite file in a temporary folder (or whatever
BENCH_DATABASE_URL names, e.g. a PostgreSQL database to be overwritten).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import quick, record  # noqa: E402

SECRET = "bench-webhook-secret-0123456789"
RATIO_TARGET = 0.5
GROWTH_TARGET_MB = 300.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PeakRss:
    """Samples this process's resident set size every 10 ms from the moment it is made."""

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE")
        self.start_mb = self._rss() / 2**20
        self._peak = self._rss()
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _rss(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self._page

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self._peak = max(self._peak, self._rss())

    def stop(self) -> float:
        self._stop.set()
        return max(self._peak, self._rss()) / 2**20


def configure_environment(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "kepu.settings.dev"
    os.environ["DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["KEPU_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["KEPU_PUBLIC_BASE_URL"] = "https://kp.example.cn"
    sys.path.insert(0, str(REPO))


def configure_channel(endpoint: str, threads: int) -> None:
    from django.conf import settings

    settings.KEPU_DISTRIBUTION = {
        "channels": {"webhook": {"secret": SECRET, "endpoint": endpoint, "allow_plain_http": True}},
        "batch_size": 500,
        "send_threads": threads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throughput-size", type=int, default=1_000 if quick() else 10_000)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 3_000] if quick() else [10_000, 100_000],
        help="group sizes of the memory runs (studio, 4 in flight)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary database folder")
    parser.add_argument("--phase", choices=["studio", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--doctor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        configure_environment(args.workdir)
        child = studio_phase if args.phase == "studio" else baseline_phase
        print(json.dumps(child(args.endpoint, args.threads, args.size, args.doctor)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="kepu-bench-fanout-"))
    configure_environment(workdir)
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.webhook_sink", "--port", str(port), "--secret", SECRET],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    sink_stats = {}
    try:
        assert "listening" in sink.stdout.readline()
        endpoint = f"http://127.0.0.1:{port}/hook"
        plan = [
            ("studio", 1, args.throughput_size),
            ("baseline", 1, args.throughput_size),
            ("studio", 4, args.throughput_size),
            ("baseline", 4, args.throughput_size),
        ]
        plan += [("studio", 4, size) for size in args.sizes if size != args.throughput_size]
        doctors = seed([size for phase, _threads, size in plan if phase == "studio"])
        results = []
        for (phase, threads, size), doctor in zip(plan, doctors_for(plan, doctors), strict=False):
            results.append(
                {
                    "phase": phase,
                    "threads": threads,
                    "size": size,
                    **run_child(phase, endpoint, threads, size, doctor, workdir),
                }
            )
            print(f"  {phase:<8} {threads} in flight, {size:>6}: {results[-1]['rate']:.0f} msg/s", flush=True)
    finally:
        sink.terminate()
        sink_stats = json.loads(sink.communicate(timeout=30)[0].strip().splitlines()[-1] or "{}")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report(results, sink_stats, args.throughput_size, args.sizes)


def doctors_for(plan, doctors):
    """The seeded doctor of each studio run, in plan order (baseline runs need none)."""
    remaining = iter(doctors)
    return [next(remaining) if phase == "studio" else None for phase, _threads, _size in plan]


def run_child(phase: str, endpoint: str, threads: int, size: int, doctor: int | None, workdir: Path) -> dict:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--endpoint",
        endpoint,
        "--threads",
        str(threads),
        "--size",
        str(size),
        "--workdir",
        str(workdir),
    ]
    if doctor is not None:
        command += ["--doctor", str(doctor)]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{phase} ({threads} in flight, {size}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(results: list[dict], sink_stats: dict, throughput_size: int, sizes: list[int]) -> None:
    expected = sum(result["size"] for result in results)
    print(f"\nwebhook fan-out, SQLite, {os.cpu_count()} CPUs (shared with other jobs: figures are noisy)")
    print(
        f"{'':8}{'in flight':>10}{'patients':>10}{'msg/s':>9}{'× plain':>9}{'RSS before MB':>15}"
        f"{'peak MB':>9}{'added MB':>10}"
    )
    rates = {(r["phase"], r["threads"]): r["rate"] for r in results if r["size"] == throughput_size}
    for r in results:
        base = rates.get(("baseline", r["threads"])) if r["size"] == throughput_size else None
        versus = f"{r['rate'] / base:.2f}" if base and r["phase"] == "studio" else ""
        print(
            f"{r['phase']:<8}{r['threads']:>10}{r['size']:>10}{r['rate']:>9.0f}{versus:>9}{r['start_mb']:>15.0f}"
            f"{r['peak_mb']:>9.0f}{r['peak_mb'] - r['start_mb']:>10.0f}"
        )
    ok = sink_stats.get("accepted") == expected and not sink_stats.get("bad_signature")
    print(
        f"sink: {sink_stats.get('accepted')} accepted of {expected} sent, "
        f"{sink_stats.get('bad_signature', 0)} bad signatures: {'OK' if ok else 'MISMATCH'}"
    )
    print(
        "comparable: the same signed notices to the same sink, the same number in flight, fresh processes; "
        "not comparable: the studio also writes a ledger row per patient, commits every outcome and renders each "
        "patient's links, the plain loop records nothing"
    )
    if not ok:
        raise SystemExit("the sink did not accept exactly what was sent")
    for threads in (1, 4):
        studio, plain = rates[("studio", threads)], rates[("baseline", threads)]
        record(
            "fanout",
            f"webhook msg/s, {threads} in flight, {throughput_size} patients",
            studio,
            unit="msg/s",
            baseline=plain,
            baseline_name=f"requests loop{'s in a thread pool' if threads > 1 else ''}, {threads} in flight",
            target=RATIO_TARGET,
            comparable="same notices, sink and concurrency; the studio also keeps a ledger",
        )
    growth = {
        r["size"]: r["peak_mb"] - r["start_mb"]
        for r in results
        if r["phase"] == "studio" and r["threads"] == 4 and r["size"] in sizes
    }
    smallest = min(growth)
    for size in sorted(growth):
        record(
            "fanout",
            f"memory added by the fan-out, {size} patients",
            growth[size],
            unit="MB",
            baseline=growth[smallest] if size != smallest else None,
            baseline_name=f"memory added at {smallest} patients" if size != smallest else "",
            target=GROWTH_TARGET_MB,
            target_on="value",
            better="lower",
            comparable="peak RSS minus the child's RSS just before, studio at 4 in flight",
        )


def seed(sizes: list[int]) -> list[int]:
    """Migrate, publish the article, and make one doctor with ``size`` webhook patients per studio run."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from wagtail.rich_text import RichText

    from cms.core.studio_setup import setup_studio
    from cms.doctors.models import DoctorProfile
    from distribution.patients.models import ContactPoint, Patient
    from tests.builders import draft_article

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"schema ready in {time.perf_counter() - started:.1f} s ({settings.DATABASES['default']['ENGINE']})")
    tree = setup_studio()
    owner = get_user_model().objects.create_user("bench.author")
    article = draft_article(
        tree["zh-hans"]["articles"],
        owner,
        "高血压患者的日常饮食",
        slug="bench-article",
        summary="少盐多菜",
        body=[("paragraph", RichText("<p>每天盐不超过5克。</p>"))],
    )
    article.latest_revision.publish()
    doctors = []
    now = timezone.now()
    for run, size in enumerate(sizes):
        started = time.perf_counter()
        user = get_user_model().objects.create_user(f"bench.dr{run}")
        doctor = DoctorProfile.objects.create(user=user, name=f"医生{run}", slug=f"bench-dr-{run}")
        for offset in range(0, size, 5000):
            count = min(5000, size - offset)
            patients = Patient.objects.bulk_create(
                [Patient(doctor=doctor, display_name=f"患者{offset + i}") for i in range(count)]
            )
            if patients[0].pk is None:  # backends that do not return ids
                patients = list(Patient.objects.filter(doctor=doctor).order_by("-pk")[:count])
            ContactPoint.objects.bulk_create(
                [
                    ContactPoint(patient=patient, channel="webhook", address=f"HIS-{run}-{patient.pk}", consent_at=now)
                    for patient in patients
                ]
            )
        doctors.append(doctor.pk)
        print(f"seeded {size} patients in {time.perf_counter() - started:.1f} s", flush=True)
    connections.close_all()
    return doctors


def studio_phase(endpoint: str, threads: int, size: int, doctor_id: int) -> dict:
    """Child process: one campaign to the doctor's whole group, ``threads`` messages in flight."""
    import django

    django.setup()
    configure_channel(endpoint, threads)
    from django.db import connection
    from django.db.models import Q

    from cms.articles.models import Article
    from cms.doctors.models import DoctorProfile
    from distribution.campaigns.delivery_ledger import deliver_due
    from distribution.campaigns.fanout import campaign_statistics, start_campaign
    from distribution.campaigns.models import Campaign
    from distribution.patients.models import PatientGroup

    doctor = DoctorProfile.objects.get(pk=doctor_id)
    article = Article.objects.get(slug="bench-article")
    group = PatientGroup.objects.create(doctor=doctor, name=f"all {size}", kind=PatientGroup.RULE)
    campaign = Campaign.objects.create(
        name=f"bench {size} x{threads}",
        doctor=doctor,
        article=article,
        channels=["webhook"],
        quiet_start=None,
        quiet_end=None,
    )
    campaign.groups.add(group)
    connection.ensure_connection()
    meter = PeakRss()
    started = time.perf_counter()
    start_campaign(campaign)
    materialised = time.perf_counter()
    deliver_due(scope=Q(campaign=campaign))
    finished = time.perf_counter()
    peak = meter.stop()
    stats = campaign_statistics(campaign)
    if stats["sent"] != size:
        raise SystemExit(f"sent {stats['sent']} of {size}: {stats}")
    return {
        "rate": size / (finished - started),
        "start_mb": meter.start_mb,
        "peak_mb": peak,
        "phases": f"ledger rows {materialised - started:.1f} s + sending {finished - materialised:.1f} s",
    }


def baseline_phase(endpoint: str, threads: int, size: int, _doctor: int | None) -> dict:
    """Child process: the same signed JSON notices posted with ``requests``, ``threads`` loops, nothing recorded."""
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from distribution.channels.webhook import sign_webhook

    def post_range(numbers: range) -> int:
        session = requests.Session()  # one per thread: a Session is not meant to be shared
        session.trust_env = False
        for number in numbers:
            key = uuid.uuid4().hex
            body = json.dumps(
                {
                    "type": "kepu.article.notice",
                    "idempotency_key": key,
                    "language": "zh-hans",
                    "title": "高血压患者的日常饮食",
                    "summary": "少盐多菜",
                    "url": "https://kp.example.cn/s/abcdefghijklmnop",
                    "unsubscribe_url": "https://kp.example.cn/messages/unsubscribe/abcdefghijklmnopqrstuvwx/",
                    "extra": {"patient_ref": f"HIS-{number}"},
                },
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            ).encode()
            timestamp = str(int(time.time()))
            response = session.post(
                endpoint,
                data=body,
                timeout=10,
                headers={
                    "Content-Type": "application/json",
                    "X-Kepu-Timestamp": timestamp,
                    "X-Kepu-Signature": sign_webhook(SECRET, timestamp, body),
                    "X-Kepu-Idempotency-Key": key,
                },
            )
            response.raise_for_status()
        session.close()
        return len(numbers)

    meter = PeakRss()
    started = time.perf_counter()
    if threads == 1:
        sent = post_range(range(size))
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            sent = sum(pool.map(post_range, [range(start, size, threads) for start in range(threads)]))
    seconds = time.perf_counter() - started
    peak = meter.stop()
    assert sent == size
    return {"rate": size / seconds, "start_mb": meter.start_mb, "peak_mb": peak, "phases": ""}


if __name__ == "__main__":
    main()
