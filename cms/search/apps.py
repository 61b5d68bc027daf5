from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cms.search"
    label = "kepu_search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"
