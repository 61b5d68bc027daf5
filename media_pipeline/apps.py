from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    label = "media_pipeline"
    verbose_name = "Media pipeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from media_pipeline import signals

        signals.connect()
