from django.apps import AppConfig


class IllustrationsConfig(AppConfig):
    name = "cms.illustrations"
    label = "illustrations"
    verbose_name = "Illustration library"
    default_auto_field = "django.db.models.BigAutoField"
