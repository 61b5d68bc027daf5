from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    label = "media_pipeline"
    verbose_name = _("Media pipeline")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The tasks register with Celery in every process, not only in workers: jobs send them by name.
        from media_pipeline import signal_handlers, tasks  # noqa: F401

        signal_handlers.connect()
