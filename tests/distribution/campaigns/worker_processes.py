"""Worker subprocesses of the campaign tests: where they run, the environment they get, the campaign they are seeded
with and what they leave in their database."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable


def worker_env(database: Path, var_dir: Path, distribution: dict | None = None) -> dict[str, str]:
    """The environment of a worker subprocess: dev settings on ``database``, the test process's own variables
    without its Django, database and Celery ones."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kepu.settings.dev",
            "DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{database}",
            "KEPU_VAR_DIR": str(var_dir),
            "KEPU_PUBLIC_BASE_URL": "https://kp.example.cn",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
        }
    )
    if distribution is not None:
        env["KEPU_DISTRIBUTION_JSON"] = json.dumps(distribution)
    return env


# What a worker database is seeded with (``python -c SEED`` in REPO): a doctor, a published article, SEED_PATIENTS
# patients on WeChat and the webhook, and a campaign to them on SEED_CHANNELS; it prints the campaign's id.
SEED = r"""
import json, os, django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.rich_text import RichText
from cms.core.studio_setup import setup_studio
from cms.doctors.models import DoctorProfile
from cms.articles.models import Article
from distribution.patients.models import Patient, ContactPoint, PatientGroup
from distribution.campaigns.models import Campaign

tree = setup_studio()
user = get_user_model().objects.create_user("dr.kill", password="x")
doctor = DoctorProfile.objects.create(user=user, name="李医生", slug="dr-li")
article = Article(title="术后第一周", slug="post-op-week-1", owner=user, live=False, summary="要点",
                  body=[("paragraph", RichText("<p>保持伤口干燥。</p>"))])
tree["zh-hans"]["articles"].add_child(instance=article)
article.save_revision(user=user).publish()
group = PatientGroup.objects.create(doctor=doctor, name="术后", kind="rule", required_tags="术后")
for i in range(int(os.environ["SEED_PATIENTS"])):
    patient = Patient.objects.create(doctor=doctor, display_name=f"患者{i}")
    patient.tags.add("术后")
    patient.save()
    ContactPoint.objects.create(patient=patient, channel="wechat", address=f"oPatient{i:018d}", consent_at=timezone.now())
    ContactPoint.objects.create(patient=patient, channel="webhook", address=f"HIS-{i:04d}", consent_at=timezone.now())
campaign = Campaign.objects.create(name="术后", doctor=doctor, article=article,
                                   channels=os.environ.get("SEED_CHANNELS", "wechat,webhook").split(","),
                                   quiet_start=None, quiet_end=None)
campaign.groups.add(group)
print(json.dumps({"campaign": campaign.pk}))
"""


def ledger_states(database: Path) -> Counter:
    with sqlite3.connect(database) as connection:
        return Counter(dict(connection.execute("SELECT state, COUNT(*) FROM campaigns_delivery GROUP BY state")))


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def campaign_state(database: Path, campaign_id: int) -> str:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT state FROM campaigns_campaign WHERE id = ?", (campaign_id,)).fetchone()[0]
