from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo content for a first look at the studio; depends on every other app, nothing depends on it."""

    name = "kepu.demo"
    label = "demo"
    verbose_name = "Demo content"
