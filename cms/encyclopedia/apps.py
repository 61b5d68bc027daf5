from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EncyclopediaConfig(AppConfig):
    name = "cms.encyclopedia"
    label = "encyclopedia"
    verbose_name = _("Disease encyclopedia")
    default_auto_field = "django.db.models.BigAutoField"
