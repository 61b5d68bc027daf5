"""A campaign sent the way a new user sends one after ``make run``: dev settings with DEBUG on, the admin's
"Send now" on a real ``runserver``, a real Celery worker on the default SQLite broker, channels set up on
the admin's Channels screen, messages arriving at local receivers (a signed-webhook sink and an SMTP server).

The web server and the worker are subprocesses sharing one database: on SQLite a file copied from the
migrated test database, on PostgreSQL the test database itself.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.builders import WEBHOOK_SECRET
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.webhook_sink import WebhookSink

REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
PATIENTS = 6
# Generous: two cores are shared by many processes here; the loop ends as soon as the campaign completes.
DEADLINE_S = float(os.environ.get("KEPU_E2E_DEADLINE_S", "240"))

SEED = r"""
import json, os, django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Site
from wagtail.rich_text import RichText
from cms.core.studio_setup import setup_studio
from cms.doctors.models import DoctorProfile
from cms.articles.models import Article
from distribution.patients.models import DISTRIBUTORS, Patient, ContactPoint, PatientGroup
from distribution.campaigns.models import Campaign, ChannelSettings

tree = setup_studio()
User = get_user_model()
operator = User.objects.create_user("operator", password="operator-pw-1")
operator.groups.add(Group.objects.get(name=DISTRIBUTORS))
author = User.objects.create_user("dr.e2e", password="x")
doctor = DoctorProfile.objects.create(user=author, name="周医生", slug="dr-zhou")
article = Article(title="在家测血压的五个要点", slug="home-bp", owner=author, live=False, summary="坐位休息五分钟后测量",
                  body=[("paragraph", RichText("<p>测量前安静休息五分钟。</p>"))])
tree["zh-hans"]["articles"].add_child(instance=article)
article.save_revision(user=author).publish()
group = PatientGroup.objects.create(doctor=doctor, name="高血压", kind="rule", required_tags="高血压")
for i in range(int(os.environ["SEED_PATIENTS"])):
    patient = Patient.objects.create(doctor=doctor, display_name=f"患者{i}")
    patient.tags.add("高血压")
    patient.save()
    ContactPoint.objects.create(patient=patient, channel="webhook", address=f"HIS-{i:04d}", consent_at=timezone.now())
    ContactPoint.objects.create(patient=patient, channel="email", address=f"p{i}@example.cn", consent_at=timezone.now())
ChannelSettings.objects.update_or_create(site=Site.objects.get(is_default_site=True), defaults=dict(
    webhook_enabled=True, webhook_endpoint=os.environ["SINK_URL"], webhook_secret=os.environ["SINK_SECRET"],
    webhook_allow_plain_http=True,
    email_enabled=True, email_transport="smtp", email_from_address="科普工作室 <kepu@hospital.example.cn>",
    email_host="127.0.0.1", email_port=int(os.environ["SMTP_PORT"]), email_security="none"))
campaign = Campaign.objects.create(name="测血压", doctor=doctor, article=article, channels=["webhook", "email"],
                                   quiet_start=None, quiet_end=None)
campaign.groups.add(group)
print(json.dumps({"campaign": campaign.pk}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def subprocess_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "KEPU_DISTRIBUTION"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kepu.settings.dev",  # what manage.py and `make run` use
            "DATABASE_URL": database_url,
            "KEPU_VAR_DIR": str(var_dir),  # the default broker, sqla+sqlite in var/, lives here too
            "KEPU_PUBLIC_BASE_URL": "https://kp.example.cn",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DEBUG", None)  # the dev default: on
    return env


@pytest.fixture
def shared_database(request, tmp_path) -> str:
    """A database URL the subprocesses and this test both reach."""
    if connection.vendor == "sqlite":
        template = request.getfixturevalue("migrated_sqlite_template")
        database = tmp_path / "e2e.sqlite3"
        database.write_bytes(template.read_bytes())
        return f"sqlite:///{database}"
    if connection.vendor != "postgresql":
        pytest.skip(f"end-to-end admin send runs on SQLite and PostgreSQL, not {connection.vendor}")
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self._file = log.open("wb")
        self.popen = subprocess.Popen(args, cwd=REPO, env=env, stdout=self._file, stderr=subprocess.STDOUT)

    def tail(self) -> str:
        if not self._file.closed:
            self._file.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._file.close()


def wait_for_port(port: int, process: Process, deadline: float) -> None:
    while True:
        assert process.popen.poll() is None, process.tail()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            assert time.monotonic() < deadline, "runserver did not start:\n" + process.tail()
            time.sleep(0.2)


def admin_session(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    login = session.get(f"{base}/admin/login/")
    assert login.status_code == 200, login.text[:2000]
    response = session.post(
        f"{base}/admin/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": f"{base}/admin/login/"},
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, response.text[:2000]
    return session


def stat(page: str, name: str) -> int:
    match = re.search(rf'data-stat="{name}">(\d+)<', page)
    assert match, f"no {name} figure on the report page"
    return int(match.group(1))


@pytest.mark.slow
# Transactional, so the subprocesses see what is committed; serialized rollback, because a transactional
# test before this one may have flushed what migrations put there (permissions, the page tree root).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_send_now_in_the_admin_under_dev_settings_reaches_the_receivers(shared_database, tmp_path):
    with WebhookSink(WEBHOOK_SECRET) as sink, FakeSmtpServer() as smtp:
        env = subprocess_env(shared_database, tmp_path)
        seeded = subprocess.run(
            [PYTHON, "-c", SEED],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env=env
            | {
                "SEED_PATIENTS": str(PATIENTS),
                "SINK_URL": sink.url(),
                "SINK_SECRET": WEBHOOK_SECRET,
                "SMTP_PORT": str(smtp.port),
            },
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        campaign_id = json.loads(seeded.stdout.strip().splitlines()[-1])["campaign"]

        port = free_port()
        deadline = time.monotonic() + DEADLINE_S
        web = Process([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env, tmp_path / "web.log")
        worker = Process(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "kepu",
                "worker",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"kepu-e2e-{os.getpid()}@%h",
            ],
            env,
            tmp_path / "worker.log",
        )
        try:
            wait_for_port(port, web, deadline)
            base = f"http://127.0.0.1:{port}"
            session = admin_session(base, "operator", "operator-pw-1")
            report_url = f"{base}/admin/distribution/campaigns/{campaign_id}/report/"
            report = session.get(report_url)
            assert report.status_code == 200, report.text[:3000]
            assert f'action="/admin/distribution/campaigns/{campaign_id}/start/"' in report.text, report.text[:3000]
            started = session.post(
                f"{base}/admin/distribution/campaigns/{campaign_id}/start/",
                data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
                headers={"Referer": report_url},
            )
            assert started.status_code == 200, started.text[:3000]

            while True:
                page = session.get(report_url).text
                if 'data-campaign-state="completed"' in page:
                    break
                assert 'data-campaign-state="failed"' not in page, page[:5000] + worker.tail()
                assert worker.popen.poll() is None, worker.tail()
                assert time.monotonic() < deadline, "the campaign did not complete:\n" + worker.tail()
                time.sleep(0.5)
        finally:
            worker.stop()
            web.stop()

        log = worker.tail()
        assert "raised unexpected" not in log, log
        assert stat(page, "total") == 2 * PATIENTS
        assert stat(page, "sent") == 2 * PATIENTS
        assert stat(page, "delivered") == PATIENTS  # webhooks confirm receipt
        assert stat(page, "failed") == 0
        assert sorted(hook.json()["extra"]["patient_ref"] for hook in sink.received) == [
            f"HIS-{i:04d}" for i in range(PATIENTS)
        ]
        assert sorted(str(mail.message["To"]) for mail in smtp.messages) == sorted(
            f"p{i}@example.cn" for i in range(PATIENTS)
        )
        assert all("在家测血压的五个要点" in str(mail.message["Subject"]) for mail in smtp.messages)
