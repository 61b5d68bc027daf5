from django.apps import AppConfig


class EncyclopediaConfig(AppConfig):
    name = "cms.encyclopedia"
    label = "encyclopedia"
    verbose_name = "Disease encyclopedia"
    default_auto_field = "django.db.models.BigAutoField"
