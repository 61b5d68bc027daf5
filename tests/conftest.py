"""Fixtures shared by the whole suite: the studio's structure, people, a small encyclopedia, and the local
fake servers (providers, object storage) that more than one folder of tests talks to."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tests.fakes.sms_server import FakeSmsServer
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.webhook_sink import WebhookSink
from tests.fakes.wechat_server import FakeWeChatServer

TESTS_DIR = Path(__file__).parent
SAMPLE_MEDQUAD = TESTS_DIR / "data" / "medquad_sample.jsonl"
SHARED_ICD10 = Path(settings.KEPU_DATA_DIR) / "icd10-cn"


@pytest.fixture(scope="session", autouse=True)
def _no_stray_database_sessions(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end sessions that threads or killed workers left open.

    Sender threads and worker subprocesses open their own PostgreSQL connections; one left behind
    would make dropping the test database fail, and the next run would find it still there.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )


@pytest.fixture(scope="session", autouse=True)
def migrated_database_snapshot(django_db_setup, django_db_blocker, tmp_path_factory) -> Path | None:
    """A file copy of the freshly migrated in-memory SQLite test database, for worker subprocesses.

    Taken before the first test runs: a transactional test flushes the database, and a copy made after
    it would lack what migrations create (the root page, locales). Copying with SQLite's backup API takes
    milliseconds; on other databases the worker tests migrate a file of their own (None here).
    """
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    database = tmp_path_factory.mktemp("worker-db") / "template.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        with sqlite3.connect(database) as target:
            connection.connection.backup(target)
    return database


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches: rolled-back ids are reused, and Wagtail caches renditions by id."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield


@pytest.fixture
def studio(db):
    """Locales, home pages, index pages, groups and the review workflow."""
    from cms.core.studio_setup import setup_studio

    return setup_studio()


def _make_user(username: str, group: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, email=f"{username}@example.org", **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(studio):
    """Two doctors with profiles, an editor, and a patient-less outsider."""
    from cms.core.studio_setup import DOCTORS, EDITORS
    from cms.doctors.models import DoctorProfile

    doctor_a = _make_user("dr.a", DOCTORS)
    doctor_b = _make_user("dr.b", DOCTORS)
    DoctorProfile.objects.create(user=doctor_a, name="张医生", slug="dr-zhang", title="主任医师", hospital="第一医院")
    DoctorProfile.objects.create(
        user=doctor_b, name="Dr. Brown", slug="dr-brown", title="Consultant", hospital="City Hospital"
    )
    return {
        "doctor_a": doctor_a,
        "doctor_b": doctor_b,
        "editor": _make_user("editor1", EDITORS),
        "outsider": _make_user("outsider"),
    }


def written_entry_codes() -> set[str]:
    """Every ICD-10 code named by the studio's shipped Chinese entries (read leniently: validation is a test)."""
    import json

    from cms.encyclopedia.written import ZH_ENTRIES_DIR

    codes = set()
    for path in ZH_ENTRIES_DIR.glob("*.json"):
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("icd10"), list):
                codes.update(code for code in item["icd10"] if isinstance(code, str))
    return codes


@pytest.fixture
def encyclopedia_data(tmp_path) -> Path:
    """A data folder shaped like ../shared/data: a few real MedQuAD records and the real ICD-10 CN tables."""
    folder = tmp_path / "data"
    (folder / "medquad").mkdir(parents=True)
    shutil.copy(SAMPLE_MEDQUAD, folder / "medquad" / "medquad.jsonl")
    if SHARED_ICD10.is_dir():
        # All chapters and blocks, but only the categories the tests look at (E1x, I1x, M1x) and those the
        # studio's written entries attach to: fast set-up, and every shipped entry still loads.
        (folder / "icd10-cn").mkdir()
        shutil.copy(SHARED_ICD10 / "blocks.tsv", folder / "icd10-cn" / "blocks.tsv")
        lines = (SHARED_ICD10 / "categories.tsv").read_text(encoding="utf-8").splitlines()
        written = written_entry_codes()
        kept = [lines[0]] + [
            line for line in lines[1:] if line[:2] in {"E1", "I1", "M1"} or line.split("\t")[0] in written
        ]
        (folder / "icd10-cn" / "categories.tsv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    else:  # a laptop without ../shared: the two ICD rows the tests use
        (folder / "icd10-cn").mkdir()
        (folder / "icd10-cn" / "blocks.tsv").write_text(
            "code_lower_bound\tcode_upper_bound\tlevel\tcatalog\n"
            "E00\tE90\t1\t内分泌、营养和代谢疾病\nE10\tE14\t2\t糖尿病\n"
            "I00\tI99\t1\t循环系统疾病\nI10\tI15\t2\t高血压病\nM00\tM99\t1\t肌肉骨骼系统和结缔组织疾病\n",
            encoding="utf-8",
        )
        (folder / "icd10-cn" / "categories.tsv").write_text(
            "code\tdisease\nE11\t非胰岛素依赖型糖尿病\nI10\t特发性(原发性)高血压\nI13\t高血压心脏和肾脏病\nM10\t痛风\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def full_encyclopedia_data(tmp_path) -> Path:
    """The sample MedQuAD records and every ICD-10 CN category (1,585): for search recall over the real list."""
    if not SHARED_ICD10.is_dir():
        pytest.skip(f"{SHARED_ICD10} is not here: the full ICD-10 category list is needed")
    folder = tmp_path / "full-data"
    (folder / "medquad").mkdir(parents=True)
    shutil.copy(SAMPLE_MEDQUAD, folder / "medquad" / "medquad.jsonl")
    shutil.copytree(SHARED_ICD10, folder / "icd10-cn")
    return folder


@pytest.fixture
def full_encyclopedia(studio, full_encyclopedia_data):
    """Every ICD-10 category as a Chinese entry (with the lexicon's names), and the sample English entries."""
    from django.core.management import call_command

    call_command("import_encyclopedia", str(full_encyclopedia_data), "--no-progress", stdout=StringIO())
    return studio


@pytest.fixture
def encyclopedia(studio, encyclopedia_data):
    """The sample encyclopedia imported through the management command."""
    from django.core.management import call_command

    call_command("import_encyclopedia", str(encyclopedia_data), "--no-progress", stdout=StringIO())
    return studio


@pytest.fixture
def doctor(people):
    """The first doctor's profile (patients, groups and campaigns belong to it)."""
    return people["doctor_a"].doctor_profile


@pytest.fixture
def public_base(settings):
    from tests.builders import PUBLIC_BASE

    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    return PUBLIC_BASE


# Local fake provider servers (real sockets on 127.0.0.1).


@pytest.fixture
def wechat_server() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer() as server:
        yield server


@pytest.fixture
def sms_server() -> Iterator[FakeSmsServer]:
    with FakeSmsServer() as server:
        yield server


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    from tests.builders import WEBHOOK_SECRET

    with WebhookSink(WEBHOOK_SECRET) as sink:
        yield sink


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer() as server:
        yield server


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server in its own process, with the studio's bucket and its public-read policy."""
    from tests.fakes.s3_server import moto_s3_server

    with moto_s3_server() as endpoint:
        yield endpoint
