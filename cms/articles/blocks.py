"""The blocks a doctor writes an article with."""

from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.rich_text import RichText

from cms.core.blocks import RICH_TEXT_FEATURES, CaptionedImageBlock, ReferenceBlock


class KeyPointsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), required=False, help_text=_("e.g. 要点 / Key points"))
    points = blocks.ListBlock(blocks.CharBlock(label=_("point")), label=_("points"))

    class Meta:
        icon = "list-ul"
        label = _("key points")
        template = "blocks/key_points.html"


class WarningBlock(blocks.StructBlock):
    level = blocks.ChoiceBlock(
        choices=[("info", _("Good to know")), ("warning", _("Warning")), ("urgent", _("Seek care now"))],
        default="warning",
        label=_("level"),
    )
    text = blocks.RichTextBlock(label=_("text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("warning / callout")
        template = "blocks/warning.html"


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"))
    answer = blocks.RichTextBlock(label=_("answer"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("question and answer")
        template = "blocks/qa.html"


class ReferencesBlock(blocks.StructBlock):
    references = blocks.ListBlock(ReferenceBlock(), label=_("references"))

    class Meta:
        icon = "link"
        label = _("references")
        template = "blocks/references.html"


ARTICLE_BODY_BLOCKS = [
    ("heading", blocks.CharBlock(label=_("heading"), icon="title", template="blocks/heading.html")),
    ("paragraph", blocks.RichTextBlock(label=_("paragraph"), features=RICH_TEXT_FEATURES)),
    ("image", CaptionedImageBlock()),
    ("key_points", KeyPointsBlock()),
    ("warning", WarningBlock()),
    ("qa", QuestionAnswerBlock()),
    ("references", ReferencesBlock()),
]


def _blank(value) -> bool:
    """Whether a block value holds nothing a reader would see (no text, no picture, no reference)."""
    if value is None:
        return True
    if isinstance(value, RichText):
        return not strip_tags(value.source).strip()
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, blocks.list_block.ListValue)):
        return all(_blank(item) for item in value)
    if isinstance(value, dict):  # StructValue; a level or another choice alone is not content
        return all(_blank(item) for key, item in value.items() if key != "level")
    return False


class ArticleBodyBlock(blocks.StreamBlock):
    """The article body; a block left empty (an illustration added but never chosen) is dropped on save.

    Draft saves (and autosave) skip required fields, so without this a half-built block is stored
    and only fails later, when the doctor submits for review.
    """

    def clean(self, value):
        kept = [child for child in value if not _blank(child.value)]
        if len(kept) != len(value):
            value = blocks.StreamValue(self, [(child.block_type, child.value, child.id) for child in kept])
        return super().clean(value)
