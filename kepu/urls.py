from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.doctors import views as doctor_views
from cms.search import views as search_views

from .api import api_router

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("search/", search_views.search, name="search"),
    path("doctors/<slug:slug>/", doctor_views.doctor_homepage, name="doctor_homepage"),
    path("s/", include("distribution.sharing.urls")),
    path("feeds/", include("distribution.feeds.urls")),
    path("messages/", include("distribution.campaigns.urls")),
    path("join/", include("distribution.joining.urls")),
]

if not settings.MEDIA_URL.startswith(("http://", "https://")):
    from .media_views import media

    # Local media in the embedded set-up, with byte ranges and originals for staff only; production serves
    # media from object storage or the proxy (README, "Media"; media_pipeline/serving.py).
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media, name="media")]

urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)
