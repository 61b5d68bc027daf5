"""The editor's view of the doctor's recordings: which paragraphs are in the doctor's voice, which are out of date."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from .narration import narration_rows


class NarrationRecordingsPanel(Panel):
    """Shows, for the revision being edited, each recorded paragraph and whether its text changed since."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Doctor's own voice"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "articles/panels/narration_recordings.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            rows = narration_rows(self.instance.as_document()) if self.instance.pk else []
            context.update(
                recorded=[row for row in rows if row.state == "recorded"],
                out_of_date=[row for row in rows if row.state == "out_of_date"],
                not_recorded=[row for row in rows if row.state == "not_recorded"],
            )
            return context
