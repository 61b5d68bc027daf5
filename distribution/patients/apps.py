from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "distribution.patients"
    label = "patients"
    verbose_name = _("Patients and groups")
    default_auto_field = "django.db.models.BigAutoField"
