"""Production workers refuse to start without a cache they all share (the WeChat token, the rate budgets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

from distribution.campaigns.checks import shared_cache_for_workers

REPO = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "kepu.settings.production",
    "SECRET_KEY": "x" * 20 + "-prod-key-" + "y" * 30,
    "ALLOWED_HOSTS": "kp.example.cn",
    "KEPU_FIELD_ENCRYPTION_KEY": "yRbmJq9d1m1GH7Nkq3Vb1HtM2gA2tTGyBq8gS7iYxJ0=",
    "CELERY_BROKER_URL": "memory://",
    "LOG_LEVEL": "WARNING",
}


def test_the_check_accepts_redis_and_refuses_process_local_caches():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    redis = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}
    }
    with override_settings(KEPU_REQUIRE_SHARED_CACHE=True, CACHES=local):
        assert [error.id for error in shared_cache_for_workers()] == ["campaigns.E002"]
    with override_settings(KEPU_REQUIRE_SHARED_CACHE=True, CACHES=redis):
        assert shared_cache_for_workers() == []
    with override_settings(KEPU_REQUIRE_SHARED_CACHE=False, CACHES=local):
        assert shared_cache_for_workers() == []  # development: one machine, the file cache is enough


def test_a_production_worker_without_redis_does_not_start(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_"))
    }
    env.update(PRODUCTION_ENV, KEPU_VAR_DIR=str(tmp_path))
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kepu",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode != 0
    assert "campaigns.E002" in worker.stderr and "REDIS_URL" in worker.stderr
