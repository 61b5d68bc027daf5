from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DoctorsConfig(AppConfig):
    name = "cms.doctors"
    label = "doctors"
    verbose_name = _("Doctors")
    default_auto_field = "django.db.models.BigAutoField"
