"""Production settings for the reading-page benchmark, plus a URLconf with a bare baseline view.

Production as deployed (DEBUG off, the same middleware, locmem cache when no
REDIS_URL); only two things differ: static files without the manifest (the
benchmark does not run collectstatic) and the benchmark's own URLconf.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))

from kepu.settings.production import *  # noqa: E402,F403

ROOT_URLCONF = "reading_bench_urls"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
