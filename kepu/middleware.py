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
        if not report_only and parts.config is None:
            if request.path_info.startswith(tuple(settings.KEPU_ADMIN_PATH_PREFIXES)):
                parts.config = default_config(settings.KEPU_ADMIN_CONTENT_SECURITY_POLICY)
            elif response.status_code >= 500:
                # templates/500.html is rendered without a request context, so its style is inline; it runs no script.
                parts.config = default_config(
                    {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "style-src": ["'self'", "'unsafe-inline'"]}
                )
        return parts


class DatabaseBusyMiddleware:
    """A database that stays locked past its busy timeout (SQLite, a long import elsewhere) answers 503.

    The request's transaction was rolled back, so nothing was half-written; the page tells the person to
    try again in a moment (beacons and API clients read ``Retry-After``) instead of showing a server error.
    """

    RETRY_AFTER_S = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import OperationalError
        from django.template.response import TemplateResponse

        if not isinstance(exception, OperationalError) or "locked" not in str(exception).lower():
            return None
        import logging

        logging.getLogger("kepu.database").warning(
            "database busy (%s) on %s %s; answered 503", exception, request.method, request.path_info[:200]
        )
        response = TemplateResponse(request, "busy.html", {"retry_after": self.RETRY_AFTER_S}, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_S)
        response["Cache-Control"] = "no-store"
        return response.render()
