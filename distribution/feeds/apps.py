from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "distribution.feeds"
    label = "feeds"
    verbose_name = "Feeds and partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()
