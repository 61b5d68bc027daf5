from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "distribution.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns and follow-up plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
