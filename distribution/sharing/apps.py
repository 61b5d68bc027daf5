from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "distribution.sharing"
    label = "sharing"
    verbose_name = _("Shared links and read analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from media_pipeline.share_urls import register_share_url_resolver

        from . import signals
        from .models import public_share_url

        signals.connect()
        register_share_url_resolver(public_share_url)  # QR codes and end cards carry the article's public link
