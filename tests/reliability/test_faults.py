"""Fault injection: a SIGKILLed Celery worker, a provider failing 30 % of the time, a dead broker, a locked database.

Each test prints its figures. The worker test needs PostgreSQL (it runs in the
PostgreSQL pass of .ci/run) and Redis, and is skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from distribution.campaigns.delivery_ledger import deliver_due
from distribution.campaigns.fanout import start_campaign
from distribution.campaigns.models import Campaign, Delivery
from distribution.delivery.states import DeliveryState
from tests.builders import WEBHOOK_SECRET, add_patient, distribution_config, openid, publish_article, static_group
from tests.deadlines import wait_until
from tests.distribution.campaigns.worker_processes import redis_answers
from tests.fakes.webhook_sink import WebhookSink
from tests.fakes.wechat_server import FakeWeChatServer

pytestmark = pytest.mark.faults
REPO = Path(__file__).resolve().parents[2]
LEASE_S = 900.0


# --- a real Celery worker SIGKILLed mid fan-out, on PostgreSQL with Redis, restarted without beat ----------


def _worker_env(queue: str, config: dict) -> dict[str, str]:
    import json

    settings_dict = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kepu.settings.dev",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/13",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            # Short, so the test sees the broker hand the killed worker's message out again; production: 300 s.
            "KEPU_BROKER_VISIBILITY_TIMEOUT_S": "6",
            "KEPU_PUBLIC_BASE_URL": "https://kp.example.cn",
            "KEPU_DISTRIBUTION_JSON": json.dumps(config),
        }
    )
    return env


def _start_worker(env: dict[str, str], name: str, log_dir: Path) -> subprocess.Popen:
    # The log goes to a file: an unread pipe fills up and blocks the worker on its next warning.
    log = (log_dir / f"{name}.log").open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kepu",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            env["CELERY_TASK_DEFAULT_QUEUE"],
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker.log_path = Path(log.name)
    log.close()
    return worker


def _log_tail(worker: subprocess.Popen) -> str:
    return worker.log_path.read_text(errors="replace")[-3000:]


def _alive(worker: subprocess.Popen):
    def check() -> None:
        assert worker.poll() is None, _log_tail(worker)

    return check


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sigkilled_celery_worker_resumes_without_beat_one_message_per_patient(studio, people, doctor, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (the second pass of .ci/run, DATABASE_URL=postgres://…); this pass is SQLite")
    if not redis_answers():
        pytest.skip("Redis is not answering on 127.0.0.1:6379: the killed-worker test needs redis-server")
    patients_count = 150
    article = publish_article(studio, people["doctor_a"], "术后第一周")
    patients = [
        add_patient(doctor, f"患者{i}", channels={"wechat": openid(i), "webhook": f"HIS-{i:04d}"})
        for i in range(patients_count)
    ]
    campaign = Campaign.objects.create(
        name="术后", doctor=doctor, article=article, channels=["wechat", "webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "术后", patients))
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    with FakeWeChatServer() as wechat, WebhookSink(WEBHOOK_SECRET) as sink:
        config = distribution_config(
            wechat=wechat,
            webhook=sink,
            batch_size=10,
            send_threads=2,
            parallel_tasks=2,
            sending_lease_s=LEASE_S,
            rate_limits={"wechat": 60, "webhook": 60},
        )
        env = _worker_env(queue, config)
        sent = lambda: len(wechat.send_requests) + sink.stats["requests"]  # noqa: E731
        ledger = lambda: Counter(Delivery.objects.values_list("state", flat=True))  # noqa: E731
        first = _start_worker(env, f"first-{queue}", tmp_path)
        try:
            queued = subprocess.run(
                [sys.executable, "manage.py", "send_campaign", str(campaign.pk), "--queue"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert queued.returncode == 0, queued.stderr
            wait_until(
                lambda: sent() >= patients_count // 2,
                progress=sent,
                alive=_alive(first),
                what="the first worker",
                poll_s=0.01,
            )
            first.send_signal(signal.SIGKILL)  # mid fan-out: no cleanup, no acknowledgement
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
        at_kill = ledger()
        assert at_kill[DeliveryState.PENDING] + at_kill[DeliveryState.SENDING] > 0, at_kill

        restarted = time.monotonic()
        second = _start_worker(env, f"second-{queue}", tmp_path)  # no beat anywhere
        try:
            try:
                resume_s = wait_until(
                    lambda: Campaign.objects.get(pk=campaign.pk).state == Campaign.COMPLETED,
                    progress=lambda: (ledger(), sent()),
                    alive=_alive(second),
                    idle_s=60,
                    cap_s=LEASE_S,
                    what="the restarted worker",
                )
            except AssertionError as stalled:
                raise AssertionError(f"{stalled}\n--- restarted worker's log ---\n{_log_tail(second)}") from None
        finally:
            second.terminate()
            second.wait(timeout=30)
        final = ledger()
        assert final == {DeliveryState.SENT: patients_count, DeliveryState.DELIVERED: patients_count}, final
        per_patient = Counter(message["touser"] for message in wechat.sent)  # WeChat drops repeated client_msg_id
        assert set(per_patient.values()) == {1} and len(per_patient) == patients_count
        webhook_keys = {key.hex for key in Delivery.objects.filter(channel="webhook").values_list("key", flat=True)}
        assert set(sink.accepted_keys) == webhook_keys  # every patient's key accepted; receivers drop repeats
        resent = sum(times - 1 for times in sink.accepted_keys.values())
        assert resent <= 2  # at most send_threads were in flight at the kill
        print(
            f"\nSIGKILL mid fan-out ({patients_count} patients × 2 channels): ledger at the kill {dict(at_kill)}; "
            f"resumed and completed {resume_s:.1f} s after the restart (lease {LEASE_S:.0f} s, no beat); "
            f"WeChat messages per patient {sorted(set(per_patient.values()))}; webhook re-sends under the same key "
            f"{resent}; {time.monotonic() - restarted:.1f} s in all"
        )


# --- a provider failing 30 % of the time with 429 and 500 ---------------------------------------------------


@pytest.mark.django_db
def test_a_sink_failing_thirty_percent_with_429_and_500_still_gets_every_message(
    settings, studio, people, doctor, public_base
):
    with WebhookSink(WEBHOOK_SECRET, failure_rate=0.3, failure_statuses=(429, 500), seed=7) as sink:
        settings.KEPU_DISTRIBUTION = distribution_config(webhook=sink, batch_size=50, send_threads=4, max_attempts=20)
        article = publish_article(studio, people["doctor_a"], "糖尿病足护理")
        patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i:04d}"}) for i in range(300)]
        campaign = Campaign.objects.create(
            name="足部护理", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
        )
        campaign.groups.add(static_group(doctor, "足部护理", patients))
        start_campaign(campaign)
        rounds = 0
        while Delivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.RETRYING]).exists():
            rounds += 1
            assert rounds <= 40, Counter(Delivery.objects.values_list("state", flat=True))
            deliver_due(scope=Q(campaign=campaign))
        delivered = Delivery.objects.filter(state=DeliveryState.DELIVERED).count()
        assert delivered == 300
        assert set(sink.accepted_keys) == {d.key.hex for d in Delivery.objects.all()}
        assert sink.stats["injected_429"] and sink.stats["injected_500"]
        campaign.refresh_from_db()
        assert campaign.state == Campaign.COMPLETED
        print(
            f"\n30 % failures (429 {sink.stats['injected_429']}, 500 {sink.stats['injected_500']}) over "
            f"{sink.stats['requests']} requests: {delivered}/300 delivered ({delivered / 3:.0f} %) in {rounds} round(s)"
        )


# --- the broker down: reading pages, feeds and the admin keep working ---------------------------------------


@pytest.mark.django_db
def test_with_the_broker_down_reading_feeds_and_the_admin_keep_working(client, settings, broker_down):
    from distribution.sharing.models import create_share_link
    from tests.builders import publish_sample_site

    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    from kepu.celery import app

    app.conf.task_always_eager = True  # build the site first; then the broker goes away
    site = publish_sample_site()
    link = create_share_link(site.article_zh)
    app.conf.task_always_eager = False
    pages = [
        "/",
        site.article_zh.url,
        site.hypertension_zh.url,
        f"/s/{link.token}/",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/search/?q=高血压",
        "/api/v2/pages/?type=articles.Article",
    ]
    answers = {url: client.get(url).status_code for url in pages}
    assert set(answers.values()) == {200}, answers
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw"))
    admin = {
        url: client.get(url).status_code
        for url in [
            "/admin/",
            "/admin/pages/",
            reverse("moderation_queue") if _has_url("moderation_queue") else "/admin/reports/",
        ]
    }
    assert set(admin.values()) == {200}, admin
    print(f"\nbroker down: {len(pages)} public URLs and {len(admin)} admin URLs answered 200")


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
        return True
    except NoReverseMatch:
        return False


# --- the database locked: a clear error, and no write is lost -----------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_locked_database_gives_a_clear_retry_later_answer_and_loses_no_write(client, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL makes writers wait for each other instead of refusing them")
    from distribution.sharing.models import ReadStat, create_share_link
    from tests.builders import publish_sample_site

    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    site = publish_sample_site()
    link = create_share_link(site.article_zh)
    beacon = f"/s/{link.token}/events/"
    body = '{"event": "view", "nonce": "%s"}'

    # Another process holds the write lock (as a long import would): open a second connection and write.
    name = connection.settings_dict["NAME"]
    holder = sqlite3.connect(
        name if not connection.is_in_memory_db() else connection.settings_dict["TEST"]["NAME"] or name,
        uri=True,
        timeout=0,
    )
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE sharing_sharelink SET label = 'held' WHERE id = ?", (link.pk,))
        blocked = client.post(beacon, body % uuid.uuid4().hex, content_type="application/json")
    finally:
        holder.commit()
        holder.close()
    assert blocked.status_code == 503
    assert blocked["Retry-After"]
    accepted = client.post(beacon, body % uuid.uuid4().hex, content_type="application/json")
    assert accepted.status_code == 204
    link.refresh_from_db()
    assert link.label == "held"  # the other writer's change is kept
    assert sum(ReadStat.objects.filter(link=link).values_list("views", flat=True)) == 1
    print("\ndatabase locked: 503 with Retry-After while locked, the retry recorded, the holder's write kept")
