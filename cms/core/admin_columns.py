"""Listing columns shared by the studio's admin screens."""

from wagtail.admin.ui.tables import BooleanColumn

__all__ = ["YesNoColumn"]


class YesNoColumn(BooleanColumn):
    """A tick or cross with the word "Yes" or "No" in the admin's language.

    Wagtail's own boolean column gives its icon the title "True"/"False",
    which is what screen readers (and tooltips) then say; doctors read words.
    """

    cell_template_name = "core/admin/yes_no_cell.html"
