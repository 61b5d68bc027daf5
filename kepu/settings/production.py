"""Production: secrets and servers must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if SECRET_KEY.startswith("dev-insecure"):  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY for production.")
if not KEPU_FIELD_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "Set KEPU_FIELD_ENCRYPTION_KEY (a Fernet key) for production: patient addresses are "
        "encrypted with it. Keep it safe: without it they cannot be read."
    )
# Workers share the WeChat access token and the per-account rate limits through the cache: it must be Redis
# (REDIS_URL). Checked by `manage.py check` and by every Celery worker when it starts (campaigns.E002).
KEPU_REQUIRE_SHARED_CACHE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)  # noqa: F405
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)  # noqa: F405
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only: the proxy terminates TLS and says so in X-Forwarded-Proto; plain HTTP is redirected,
# and browsers are told to use HTTPS for a year (HSTS). SECURE_HSTS_SECONDS=0 turns HSTS off while
# a new domain is being tried.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)  # noqa: F405
# "preload" only allows submitting the domain to the browsers' HSTS preload list; it does not submit it.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)  # noqa: F405
# Versioned static file names, so a deploy never leaves browsers with a stale stylesheet.
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
