"""StreamField blocks shared by encyclopedia entries and articles."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

# Rich text features doctors get: enough for patient education, nothing that
# lets pasted HTML smuggle in scripts or styles (Wagtail whitelists these).
RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "superscript", "subscript"]


class ReferenceBlock(blocks.StructBlock):
    citation = blocks.CharBlock(label=_("citation"), help_text=_("Authors, title, journal or guideline, year."))
    url = blocks.URLBlock(label=_("URL"), required=False)

    class Meta:
        icon = "link"
        label = _("reference")


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("illustration"))
    caption = blocks.CharBlock(label=_("caption"), required=False)

    class Meta:
        icon = "image"
        label = _("illustration")
        template = "blocks/captioned_image.html"
