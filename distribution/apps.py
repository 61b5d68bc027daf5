from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "distribution"
    label = "distribution"
    verbose_name = "Distribution"
    default_auto_field = "django.db.models.BigAutoField"
