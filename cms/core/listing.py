"""Columns the studio's admin listings share."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column


class YesNoColumn(Column):
    """A boolean field as 是/否 (yes/no) in the reader's language; Wagtail would print True/False."""

    def get_value(self, instance):
        return _("yes") if super().get_value(instance) else _("no")
