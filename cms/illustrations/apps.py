from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IllustrationsConfig(AppConfig):
    name = "cms.illustrations"
    label = "illustrations"
    verbose_name = _("Illustration library")
    default_auto_field = "django.db.models.BigAutoField"
