"""Worker subprocesses of the campaign tests: where they run and the environment they get."""

from __future__ import annotations

import json
import os
import sys
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
