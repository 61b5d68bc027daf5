"""System checks: the broker's redelivery must come before the delivery lease ends; workers must share one cache."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from distribution.delivery.policy import retry_policy


@checks.register(checks.Tags.compatibility)
def visibility_timeout_shorter_than_lease(app_configs=None, **kwargs):
    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith(("redis", "sqs")):
        return []  # RabbitMQ redelivers at once; the embedded broker has no visibility timeout
    timeout = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}).get("visibility_timeout")
    lease = retry_policy().lease_s
    if timeout is None or timeout >= lease:
        return [
            checks.Warning(
                f"the broker's visibility timeout ({timeout or 'kombu default, 3600'} s) "
                "is not shorter than the delivery "
                f"lease ({lease:.0f} s): a campaign whose worker is lost waits for the lease to resume",
                hint="set KEPU_BROKER_VISIBILITY_TIMEOUT_S below KEPU_DISTRIBUTION['sending_lease_s']",
                id="campaigns.W001",
            )
        ]
    return []


# Cache backends every worker process on every machine sees, with an atomic INCR and ADD.
SHARED_CACHE_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
)


@checks.register(checks.Tags.caches)
def shared_cache_for_workers(app_configs=None, **kwargs):
    """Production workers must share the WeChat token and the rate budgets: refuse a per-process cache.

    With a local cache every worker fetches its own token (a force refresh in one
    invalidates the others, 20 a day) and sends at the full rate, so N workers exceed the
    account's quota N times. ``KEPU_REQUIRE_SHARED_CACHE`` is on in production settings.
    """
    if not getattr(settings, "KEPU_REQUIRE_SHARED_CACHE", False):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        checks.Error(
            f"the default cache ({backend or 'none'}) is not shared between worker processes: every worker would fetch "
            "its own WeChat access token and send at the full rate limit on its own",
            hint="set REDIS_URL (for example redis://127.0.0.1:6379/1) so that every worker uses the same Redis",
            id="campaigns.E002",
        )
    ]


def refuse_worker_without_shared_cache(**kwargs) -> None:
    """Celery workers skip Django's system checks: run this one when a worker starts and stop it on error.

    ``SystemExit``, because Celery logs and ignores ordinary exceptions raised by signal handlers.
    """
    errors = shared_cache_for_workers()
    if errors:
        raise SystemExit(f"{errors[0].id}: {errors[0].msg} ({errors[0].hint})")
