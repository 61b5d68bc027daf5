from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "distribution.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns and follow-up plans"
    default_auto_field = "django.db.models.BigAutoField"
