from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "distribution.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns and follow-up plans")
    default_auto_field = "django.db.models.BigAutoField"
