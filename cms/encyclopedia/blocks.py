from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.core.blocks import RICH_TEXT_FEATURES

from .sections import SECTION_KINDS, SECTION_LABELS


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        label=_("heading"), required=False, help_text=_("Leave empty to use the section's standard heading.")
    )
    body = blocks.RichTextBlock(label=_("text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "doc-full"
        template = "blocks/entry_section.html"


def entry_section_blocks() -> list[tuple[str, SectionBlock]]:
    """One block type per section kind, so every section says what it is."""
    return [(kind, SectionBlock(label=SECTION_LABELS[kind])) for kind, _en, _zh in SECTION_KINDS]
