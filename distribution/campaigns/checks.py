"""System checks: the broker's redelivery of a lost worker's task must come before the delivery lease ends."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def visibility_timeout_shorter_than_lease(app_configs=None, **kwargs):
    from .configuration import distribution_settings

    timeout = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}).get("visibility_timeout")
    lease = distribution_settings().sending_lease_s
    if timeout is None or timeout >= lease:
        return [checks.Warning(
            f"the broker's visibility timeout ({timeout or 'kombu default, 3600'} s) is not shorter than the delivery "
            f"lease ({lease:.0f} s): a campaign whose worker is lost waits for the lease to resume",
            hint="set KEPU_BROKER_VISIBILITY_TIMEOUT_S below KEPU_DISTRIBUTION['sending_lease_s']",
            id="campaigns.W001",
        )]
    return []
