"""Production settings for the reading-page benchmark, plus a URLconf with bare baseline views.

Production as deployed (DEBUG off, the same middleware, Redis as the cache when
REDIS_URL is set); what differs: static files without the manifest (the
benchmark does not run collectstatic), the benchmark's own URLconf, a cache key
prefix of its own (the Redis server is shared), and no per-link cap on counted
beacons, so every beacon in the load does its full work (a real campaign spreads
over many links, each under the cap).
"""

import base64
import os
import secrets

os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))
# Production refuses to start without one; the benchmark's patients are throw-away. Fixed per run (the bench sets
# it before gunicorn starts), so every worker reads what another wrote.
os.environ.setdefault("KEPU_FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())

from kepu.settings.production import *  # noqa: E402,F403

ROOT_URLCONF = "reading_bench_urls"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False  # in production TLS ends at the proxy in front; the benchmark talks to gunicorn directly
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = os.environ.get("KEPU_BENCH_CACHE_PREFIX", "kepu-bench")  # noqa: F405
KEPU_SHARE_EVENTS_PER_MINUTE = 10**9
