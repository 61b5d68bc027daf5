"""Fixtures of the campaign tests: the migrated database file their worker subprocesses start from."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.distribution.campaigns.worker_processes import PYTHON, REPO, worker_env


@pytest.fixture(scope="session")
def migrated_sqlite_template(migrated_database_snapshot, tmp_path_factory) -> Path:
    """A migrated SQLite database file for worker subprocesses (made once per test session).

    On SQLite it is the snapshot the root conftest takes before any test runs; elsewhere
    ``migrate`` writes a fresh file.
    """
    if migrated_database_snapshot is not None:
        return migrated_database_snapshot
    folder = tmp_path_factory.mktemp("worker-db")
    database = folder / "template.sqlite3"
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=REPO,
        check=True,
        env=worker_env(database, folder),
        timeout=300,
    )
    return database
