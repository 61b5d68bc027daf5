"""Two Celery worker processes sharing Redis: one WeChat token fetch, and the account's rate, not twice it.

The rate is measured on the fake WeChat API's own clock (when each message
arrived), not on the workers' side; waits fail only when the work stops moving
(tests/deadlines.py), never on a fixed deadline.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.deadlines import wait_until
from tests.distribution.campaigns.worker_processes import (
    PYTHON,
    REPO,
    SEED,
    campaign_state,
    ledger_states,
    redis_answers,
    worker_env,
)
from tests.fakes.wechat_server import FakeWeChatServer

pytestmark = [pytest.mark.django_db, pytest.mark.redis, pytest.mark.slow]

REDIS = "redis://127.0.0.1:6379/14"
PATIENTS = 120
RATE = 20.0  # messages per second for the account, both workers together


def rows_by_task(database: Path) -> dict[str, str]:
    """provider message id → the Celery task (one per worker here) that sent it."""
    with sqlite3.connect(database) as connection:
        return dict(
            connection.execute(
                "SELECT provider_message_id, claimed_by FROM campaigns_delivery WHERE channel = 'wechat'"
            )
        )


def test_two_workers_fetch_one_token_and_share_the_rate_limit(migrated_sqlite_template, tmp_path):  # noqa: F811
    if not redis_answers():
        pytest.skip("Redis is not answering on 127.0.0.1:6379: the shared-limit test needs redis-server running")
    database = tmp_path / "workers.sqlite3"
    database.write_bytes(migrated_sqlite_template.read_bytes())
    seed_env = worker_env(database, tmp_path) | {"SEED_PATIENTS": str(PATIENTS), "SEED_CHANNELS": "wechat"}
    seeded = subprocess.run([PYTHON, "-c", SEED], cwd=REPO, env=seed_env, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    campaign_id = json.loads(seeded.stdout.strip().splitlines()[-1])["campaign"]

    # A fresh AppID keys the token and the rate budget in Redis: nothing left over from another run.
    with FakeWeChatServer(app_id="wx" + secrets.token_hex(8)) as wechat:
        config = {
            "channels": {
                "wechat": {
                    "app_id": wechat.app_id,
                    "app_secret": wechat.app_secret,
                    "template_id": "tmpl-1",
                    "api_base": wechat.base_url,
                }
            },
            "rate_limits": {"wechat": RATE},
            "parallel_tasks": 2,
            "send_threads": 4,
            "batch_size": 10,
        }
        queue = f"kepu-limits-{os.getpid()}-{secrets.token_hex(4)}"
        env = worker_env(database, tmp_path, config) | {
            "CELERY_BROKER_URL": REDIS,
            "REDIS_URL": REDIS,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
        }
        logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
        workers = [
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "kepu",
                    "worker",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "-Q",
                    queue,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"limits-{n}-{os.getpid()}@%h",
                ],
                cwd=REPO,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for n, log in zip((1, 2), logs, strict=False)
        ]

        def alive() -> None:
            for worker, log in zip(workers, logs, strict=False):
                assert worker.poll() is None, log.read_text()[-3000:]

        try:
            wait_until(
                lambda: all(" ready." in log.read_text() for log in logs),
                progress=lambda: [log.stat().st_size for log in logs],
                alive=alive,
                idle_s=60,
                what="the two workers starting",
            )
            queued = subprocess.run(
                [PYTHON, "manage.py", "send_campaign", str(campaign_id), "--queue"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert queued.returncode == 0, queued.stderr
            wait_until(
                lambda: campaign_state(database, campaign_id) == "completed",
                progress=lambda: len(wechat.sent),
                alive=alive,
                idle_s=60,
                what="the two workers' fan-out",
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)

        assert ledger_states(database) == {"sent": PATIENTS}
        assert len(wechat.sent) == PATIENTS
        assert wechat.token_requests == 1  # one fetch for both workers, never forced
        assert wechat.force_refreshes_today == 0

        times = sorted(moment for moment, _msgid in wechat.send_times)
        per_window = 2  # SharedRateLimiter: 20/s is 2 messages per 0.1 s window; the first window's go at once
        measured = (len(times) - per_window) / (times[-1] - times[0])
        print(f"aggregate send rate {measured:.2f}/s for a limit of {RATE:g}/s over {len(times)} messages")
        assert RATE * 0.9 <= measured <= RATE * 1.1

        # Both workers were sending at the same time for most of the run (else the test proves nothing).
        task_of = rows_by_task(database)
        spans: dict[str, list[float]] = {}
        for moment, msgid in wechat.send_times:
            spans.setdefault(task_of[str(msgid)], []).append(moment)
        assert len(spans) == 2
        starts, ends = [min(span) for span in spans.values()], [max(span) for span in spans.values()]
        overlap = min(ends) - max(starts)
        assert overlap > 0.6 * (times[-1] - times[0]), (starts, ends)
