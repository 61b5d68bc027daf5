"""Fan-out throughput and memory: one article to 10,000 and 100,000 patients over the webhook channel.

The local webhook sink runs in its own process. In the same run the same
number of signed payloads is posted with a plain ``requests.Session`` loop
(no database, no ledger) as the baseline. Printed: throughput of both, their
ratio (target >= 0.5), and the peak resident memory during each fan-out
(target <= 300 MB and flat in the group size).

    .venv/bin/python benchmarks/bench_fanout.py [--sizes 10000 100000] [--keep]

The database is a fresh SQLite file in a temporary folder (or whatever
BENCH_DATABASE_URL names, e.g. a PostgreSQL database to be overwritten).
"""

from __future__ import annotations

import argparse
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
SECRET = "bench-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PeakRss:
    """Samples this process's resident set size every 20 ms; ``peak_mb`` of the current phase."""

    def __init__(self) -> None:
        self._peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")
        threading.Thread(target=self._sample, daemon=True).start()

    def _rss(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self._page

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self._peak = max(self._peak, self._rss())

    def reset(self) -> None:
        self._peak = self._rss()

    @property
    def peak_mb(self) -> float:
        return max(self._peak, self._rss()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--keep", action="store_true", help="keep the temporary database folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kepu-bench-fanout-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kepu.settings.dev"
    os.environ["DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["KEPU_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["KEPU_PUBLIC_BASE_URL"] = "https://kp.example.cn"
    sys.path.insert(0, str(REPO))

    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.webhook_sink", "--port", str(port), "--secret", SECRET],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert "listening" in sink.stdout.readline()
        run(args.sizes, f"http://127.0.0.1:{port}/hook")
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(sizes: list[int], endpoint: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.KEPU_DISTRIBUTION = {
        "channels": {"webhook": {"secret": SECRET, "endpoint": endpoint, "allow_plain_http": True}},
        "batch_size": 500,
    }
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"schema ready in {time.perf_counter() - started:.1f} s ({settings.DATABASES['default']['ENGINE']})")

    article, doctors = seed(sizes)
    meter = PeakRss()
    results = []
    for size, doctor in zip(sizes, doctors, strict=True):
        meter.reset()
        ledger_rate, phases = fan_out(article, doctor, size)
        ledger_peak = meter.peak_mb
        baseline_rate = plain_loop(endpoint, size)
        results.append((size, ledger_rate, baseline_rate, ledger_peak, phases))

    print()
    print(f"{'patients':>9} {'ledger msg/s':>13} {'plain loop msg/s':>17} {'ratio':>6} {'peak RSS MB':>12}  phases")
    for size, ledger_rate, baseline_rate, peak, phases in results:
        print(f"{size:>9} {ledger_rate:>13.0f} {baseline_rate:>17.0f} {ledger_rate / baseline_rate:>6.2f} "
              f"{peak:>12.0f}  {phases}")
    print("targets: ratio >= 0.5, peak RSS <= 300 MB and flat in the group size")


def seed(sizes: list[int]):
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from wagtail.rich_text import RichText

    from cms.articles.models import Article
    from cms.core.studio_setup import setup_studio
    from cms.doctors.models import DoctorProfile
    from distribution.patients.models import ContactPoint, Patient

    tree = setup_studio()
    owner = get_user_model().objects.create_user("bench.author")
    article = Article(title="高血压患者的日常饮食", slug="bench-article", owner=owner, live=False, summary="少盐多菜",
                      body=[("paragraph", RichText("<p>每天盐不超过5克。</p>"))])
    tree["zh-hans"]["articles"].add_child(instance=article)
    article.save_revision(user=owner).publish()
    doctors = []
    now = timezone.now()
    for size in sizes:
        started = time.perf_counter()
        user = get_user_model().objects.create_user(f"bench.dr{size}")
        doctor = DoctorProfile.objects.create(user=user, name=f"医生{size}", slug=f"bench-dr-{size}")
        for offset in range(0, size, 5000):
            count = min(5000, size - offset)
            patients = Patient.objects.bulk_create(
                [Patient(doctor=doctor, display_name=f"患者{offset + i}") for i in range(count)])
            if patients[0].pk is None:  # backends that do not return ids
                patients = list(Patient.objects.filter(doctor=doctor).order_by("-pk")[:count])
            ContactPoint.objects.bulk_create([
                ContactPoint(patient=patient, channel="webhook", address=f"HIS-{size}-{patient.pk}", consent_at=now)
                for patient in patients
            ])
        doctors.append(doctor)
        print(f"seeded {size} patients in {time.perf_counter() - started:.1f} s")
    return article, doctors


def fan_out(article, doctor, size: int) -> tuple[float, str]:
    from django.db.models import Q

    from distribution.campaigns.delivery_ledger import deliver_due
    from distribution.campaigns.fanout import campaign_statistics, start_campaign
    from distribution.campaigns.models import Campaign
    from distribution.patients.models import PatientGroup

    group = PatientGroup.objects.create(doctor=doctor, name=f"all {size}", kind=PatientGroup.RULE)
    campaign = Campaign.objects.create(name=f"bench {size}", doctor=doctor, article=article, channels=["webhook"],
                                       quiet_start=None, quiet_end=None)
    campaign.groups.add(group)
    started = time.perf_counter()
    start_campaign(campaign)
    materialised = time.perf_counter()
    deliver_due(scope=Q(campaign=campaign))
    finished = time.perf_counter()
    stats = campaign_statistics(campaign)
    assert stats["sent"] == size, stats
    phases = f"ledger rows {materialised - started:.1f} s + sending {finished - materialised:.1f} s"
    return size / (finished - started), phases


def plain_loop(endpoint: str, size: int) -> float:
    """The baseline: the same signed JSON notices posted in a loop, nothing recorded."""
    import json
    import uuid

    import requests

    from distribution.channels.webhook import sign_webhook

    session = requests.Session()
    session.trust_env = False
    started = time.perf_counter()
    for number in range(size):
        body = json.dumps({
            "type": "kepu.article.notice", "idempotency_key": uuid.uuid4().hex, "language": "zh-hans",
            "title": "高血压患者的日常饮食", "summary": "少盐多菜", "url": "https://kp.example.cn/s/abcdefghijklmnop",
            "unsubscribe_url": "https://kp.example.cn/messages/unsubscribe/abcdefghijklmnopqrstuvwx/",
            "extra": {"patient_ref": f"HIS-{number}"},
        }, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        response = session.post(endpoint, data=body, timeout=10, headers={
            "Content-Type": "application/json", "X-Kepu-Timestamp": timestamp,
            "X-Kepu-Signature": sign_webhook(SECRET, timestamp, body),
            "X-Kepu-Idempotency-Key": json.loads(body)["idempotency_key"],
        })
        response.raise_for_status()
    return size / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
