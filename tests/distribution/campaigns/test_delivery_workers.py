"""Real worker processes: one SIGKILLed mid-fan-out and restarted, and a Celery worker fed through Redis.

Workers run as subprocesses on their own SQLite file, a copy of the test
database's schema; the fake provider servers run in the test process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from distribution.delivery.states import DeliveryState
from tests.builders import WEBHOOK_SECRET
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
from tests.fakes.webhook_sink import WebhookSink
from tests.fakes.wechat_server import FakeWeChatServer

# Makes pytest-django create the test database, which the worker database is copied from.
pytestmark = pytest.mark.django_db

# --- a real worker process, killed and restarted -----------------------------------------


@pytest.fixture
def worker_database(migrated_sqlite_template, tmp_path) -> tuple[Path, int]:
    """A copy of the template with a doctor, a published article, patients and a campaign in it."""
    database = tmp_path / "worker.sqlite3"
    database.write_bytes(migrated_sqlite_template.read_bytes())
    env = worker_env(database, tmp_path) | {"SEED_PATIENTS": "40"}
    seeded = subprocess.run([PYTHON, "-c", SEED], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    return database, json.loads(seeded.stdout.strip().splitlines()[-1])["campaign"]


def ledger_keys(database: Path, channel: str) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT key FROM campaigns_delivery WHERE channel = ?", (channel,))
        return {key.replace("-", "") for (key,) in rows}


@pytest.mark.slow
def test_killed_worker_restarted_sends_every_message_exactly_once(worker_database, tmp_path):
    database, campaign_id = worker_database
    with FakeWeChatServer() as wechat, WebhookSink(WEBHOOK_SECRET) as sink:
        config = {
            "channels": {
                "wechat": {
                    "app_id": wechat.app_id,
                    "app_secret": wechat.app_secret,
                    "template_id": "tmpl-1",
                    "api_base": wechat.base_url,
                },
                "webhook": {"secret": WEBHOOK_SECRET, "endpoint": sink.url(), "allow_plain_http": True},
            },
            # Slow enough that the kill lands in the middle of the run.
            "rate_limits": {"wechat": 40, "webhook": 40},
            "batch_size": 10,
            "send_threads": 2,
        }
        env = worker_env(database, tmp_path, config)
        worker = subprocess.Popen(
            [PYTHON, "manage.py", "send_campaign", str(campaign_id)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

        def worker_alive() -> None:
            assert worker.poll() is None, worker.stderr.read().decode()

        wait_until(
            lambda: len(wechat.send_requests) + sink.stats["requests"] >= 25,  # in the third batch
            progress=lambda: len(wechat.send_requests) + sink.stats["requests"],
            alive=worker_alive,
            idle_s=60,
            what="the worker's first batches",
            poll_s=0.01,
        )
        worker.kill()  # SIGKILL: no cleanup, no chance to record anything
        worker.wait(timeout=10)

        interrupted = ledger_states(database)
        assert interrupted[DeliveryState.PENDING] > 0  # killed mid-run (usually with a claimed batch in 'sending')

        restart = subprocess.run(
            [PYTHON, "manage.py", "send_campaign", str(campaign_id), "--stale-after", "0"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restart.returncode == 0, restart.stderr

        assert ledger_states(database) == {DeliveryState.SENT: 40, DeliveryState.DELIVERED: 40}
        # WeChat de-duplicates on client_msg_id: every patient got exactly one message.
        assert sorted(message["touser"] for message in wechat.sent) == [f"oPatient{i:018d}" for i in range(40)]
        assert {request.body["client_msg_id"] for request in wechat.send_requests} == ledger_keys(database, "wechat")
        # The webhook receiver saw every key; a key seen twice is only ever one in flight at the kill.
        assert set(sink.accepted_keys) == ledger_keys(database, "webhook")
        assert sum(1 for times in sink.accepted_keys.values() if times > 1) <= 2  # at most send_threads in flight
        assert "sent=80" in restart.stdout


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.redis
@pytest.mark.slow
def test_celery_worker_fed_through_redis_sends_the_campaign(worker_database, tmp_path):
    if not redis_answers():
        pytest.skip("Redis is not answering on 127.0.0.1:6379: the real-broker worker test needs redis-server running")
    database, campaign_id = worker_database
    with FakeWeChatServer() as wechat, WebhookSink(WEBHOOK_SECRET) as sink:
        config = {
            "channels": {
                "wechat": {
                    "app_id": wechat.app_id,
                    "app_secret": wechat.app_secret,
                    "template_id": "tmpl-1",
                    "api_base": wechat.base_url,
                },
                "webhook": {"secret": WEBHOOK_SECRET, "endpoint": sink.url(), "allow_plain_http": True},
            }
        }
        env = worker_env(database, tmp_path, config) | {"CELERY_BROKER_URL": REDIS_URL}
        worker = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "kepu",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"kepu-test-{os.getpid()}@%h",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            queued = subprocess.run(
                [PYTHON, "manage.py", "send_campaign", str(campaign_id), "--queue"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert queued.returncode == 0, queued.stderr

            def worker_alive() -> None:
                assert worker.poll() is None, worker.stdout.read().decode()[-3000:]

            # No fixed deadline: fail only if the ledger stops moving (scaled to the machine's load).
            wait_until(
                lambda: campaign_state(database, campaign_id) == "completed",
                progress=lambda: ledger_states(database),
                alive=worker_alive,
                idle_s=60,
                what="the Celery worker's fan-out",
            )
        finally:
            worker.terminate()
            worker.wait(timeout=20)
        assert ledger_states(database) == {DeliveryState.SENT: 40, DeliveryState.DELIVERED: 40}
        assert len(wechat.sent) == 40 and len(sink.accepted_keys) == 40
