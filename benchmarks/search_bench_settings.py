"""Production settings for the search benchmark: the reading bench's (production, Redis cache), the product's URLs.

One addition: the outermost middleware reports the CPU the process spent on each
request in a ``Server-Timing`` header (``cpu;dur=`` in ms, ``time.process_time``
around the whole middleware stack and view; a sync worker serves one request at a
time), so a run on a shared machine can say what a request costs apart from how
long it waited for a core.
"""

import os
import time

from reading_bench_settings import *  # noqa: F403

ROOT_URLCONF = "kepu.urls"
MIDDLEWARE = ["search_bench_settings.ServerTimingMiddleware", *MIDDLEWARE]  # noqa: F405


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cpu, wall = time.process_time(), time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = (f"cpu;dur={(time.process_time() - cpu) * 1000:.3f}, "
                                     f"app;dur={(time.perf_counter() - wall) * 1000:.3f}")
        return response

if os.environ.get("KEPU_BENCH_KEEP_CONNECTIONS"):
    DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
