from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "distribution.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns and follow-up plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.core.studio_setup import studio_set_up

        from .roles import ensure_distributors_group

        studio_set_up.connect(ensure_distributors_group, dispatch_uid="distribution-distributors-group")
