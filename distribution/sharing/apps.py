from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "distribution.sharing"
    label = "sharing"
    verbose_name = "Shared links and read analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()
