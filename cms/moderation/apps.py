from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "cms.moderation"
    label = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Put the reviewer's feedback banner at the top of the editor of every reviewed page type.

        A page type is reviewed when it builds a document (``as_document()``); the page models
        do not import moderation, moderation attaches its panel to them here, before any
        editor is built.
        """
        from wagtail.models import get_page_models

        from .panels import ReviewFeedbackPanel

        for model in get_page_models():
            panels = model.content_panels
            if hasattr(model, "as_document") and not any(isinstance(panel, ReviewFeedbackPanel) for panel in panels):
                model.content_panels = [ReviewFeedbackPanel(), *panels]
