"""Project-wide response headers: one Content-Security-Policy for public pages, a compatible one for the admin."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings


class StudioCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with ``KEPU_ADMIN_CONTENT_SECURITY_POLICY`` on the admin's paths.

    Public pages get the strict ``CONTENT_SECURITY_POLICY`` (nothing inline, nothing third-party);
    Wagtail's admin widgets emit small inline scripts, which only the admin policy allows.
    """

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (not report_only and parts.config is None
                and request.path_info.startswith(tuple(settings.KEPU_ADMIN_PATH_PREFIXES))):
            parts.config = default_config(settings.KEPU_ADMIN_CONTENT_SECURITY_POLICY)
        return parts
