"""Point Django at a throw-away database before it starts, for benchmarks.

SQLite: a new file in a temporary folder. PostgreSQL: a database named
``kepu_bench_<name>`` dropped and created on the server DATABASE_URL points at.
"""

from __future__ import annotations

import os
import sys
import tempfile
from io import StringIO
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def use_sqlite(name: str) -> str:
    folder = Path(tempfile.mkdtemp(prefix=f"kepu-bench-{name}-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("KEPU_VAR_DIR", str(folder))
    return url


def postgres_url_if_reachable(name: str) -> str | None:
    """Create a fresh benchmark database on the local PostgreSQL, or None when there is none."""
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=3) as connection:
            database = f"kepu_bench_{name}"
            connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
            connection.execute(f'CREATE DATABASE "{database}"')
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL for this run
        print(f"(PostgreSQL not used: {exc.__class__.__name__}: {exc})")
        return None
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path=f"/{database}"))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kepu.settings.dev")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("setup_studio", stdout=StringIO())
