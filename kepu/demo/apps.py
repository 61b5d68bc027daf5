from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo content for a first look at the studio; depends on every other app, nothing depends on it."""

    name = "kepu.demo"
    label = "demo"
    verbose_name = _("Demo content")
