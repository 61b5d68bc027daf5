from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "distribution.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns and follow-up plans")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.signals import worker_init

        from cms.core.studio_setup import studio_set_up

        from . import checks  # registers the system checks
        from .roles import ensure_distributors_group

        studio_set_up.connect(ensure_distributors_group, dispatch_uid="distribution-distributors-group")
        worker_init.connect(checks.refuse_worker_without_shared_cache, dispatch_uid="campaigns-shared-cache")
