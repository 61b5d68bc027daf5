from django.apps import AppConfig


class DoctorsConfig(AppConfig):
    name = "cms.doctors"
    label = "doctors"
    verbose_name = "Doctors"
    default_auto_field = "django.db.models.BigAutoField"
