from django.apps import AppConfig


class JoiningConfig(AppConfig):
    name = "distribution.joining"
    label = "joining"
    verbose_name = "Joining a doctor (QR invitations)"
    default_auto_field = "django.db.models.BigAutoField"
