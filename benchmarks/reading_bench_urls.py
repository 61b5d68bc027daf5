"""The product's URLs plus the baselines: ``/bench-bare/``, a view that only returns a string the size of the
reading page, and ``/bench-bare/beacon/``, a POST answered 204 with nothing recorded.

It goes through the same server, middleware and settings, and sits right after
the ``s/`` include, so resolving its URL costs what resolving ``/s/<token>/``
does: the ratio of the two throughputs is what the reading view itself costs.
"""

import os

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from kepu.urls import urlpatterns as product_urlpatterns

BARE_BODY = ("<!doctype html><p>" + "x" * int(os.environ.get("KEPU_BENCH_BARE_BYTES", "20000"))).encode()


def bare(request):
    return HttpResponse(BARE_BODY, content_type="text/html; charset=utf-8")


@csrf_exempt
def bare_beacon(request):
    request.read(300)
    return HttpResponse(status=204)


_after_sharing = next(index for index, pattern in enumerate(product_urlpatterns) if str(pattern.pattern) == "s/") + 1
urlpatterns = [
    *product_urlpatterns[:_after_sharing],
    path("bench-bare/", bare),
    path("bench-bare/beacon/", bare_beacon),
    *product_urlpatterns[_after_sharing:],
]
