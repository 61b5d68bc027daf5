from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "distribution.patients"
    label = "patients"
    verbose_name = "Patients and groups"
    default_auto_field = "django.db.models.BigAutoField"
