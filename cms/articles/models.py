"""Articles: a doctor's own patient-education writing."""

from __future__ import annotations

import math
import re
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.core.documents import (
    ArticleDocument,
    DocumentBlock,
    DocumentRecording,
    document_image,
    flatten_rich_text,
    links_in,
    rich_text_block,
)
from cms.core.publication import approved_pages, public_pages
from cms.encyclopedia.chooser import EntryChooserWidget
from cms.encyclopedia.models import EncyclopediaEntry
from cms.search.names import index_keys

from .blocks import ARTICLE_BODY_BLOCKS, ArticleBodyBlock
from .panels import NarrationRecordingsPanel

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z0-9']+")

# Reading speeds for patient material, slower than for expert readers.
CHINESE_CHARACTERS_PER_MINUTE = 300
ENGLISH_WORDS_PER_MINUTE = 180


class ArticleIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["articles.Article"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("article index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = public_pages(Article.objects.child_of(self)).order_by("-first_published_at")
        tag = request.GET.get("tag")
        if tag:
            articles = articles.filter(tags__name=tag)
        context.update(articles=articles.select_related("doctor")[:100], tag=tag)
        return context


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey("articles.Article", related_name="tagged_items", on_delete=models.CASCADE)


class Article(Page):
    """A doctor's article. The page owner is its author; Wagtail lets doctors edit only pages they own."""

    AUDIENCE_CHOICES = [
        ("patients", _("Patients")),
        ("caregivers", _("Family and caregivers")),
        ("public", _("General public")),
        ("children", _("Children and parents")),
        ("elderly", _("Older adults")),
    ]

    doctor = models.ForeignKey(
        "doctors.DoctorProfile",
        verbose_name=_("doctor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text=_("Filled in from the author's doctor profile when left empty."),
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("Two or three sentences for lists and shares."))
    body = StreamField(ArticleBodyBlock(ARTICLE_BODY_BLOCKS), blank=True, verbose_name=_("body"))
    audience = models.CharField(_("audience"), max_length=20, choices=AUDIENCE_CHOICES, default="patients")
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)
    source_entry = models.ForeignKey(
        "encyclopedia.EncyclopediaEntry",
        verbose_name=_("started from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived_articles",
    )
    related_entries = ParentalManyToManyField(
        "encyclopedia.EncyclopediaEntry",
        blank=True,
        related_name="related_articles",
        verbose_name=_("related encyclopedia entries"),
    )
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    narration_voice = models.CharField(
        _("narration voice"),
        max_length=80,
        blank=True,
        help_text=_("Overrides the doctor's preferred TTS voice for this article."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("tags"),
                FieldPanel("audience"),
                FieldPanel("related_entries", widget=EntryChooserWidget),
                FieldPanel("last_reviewed"),
            ],
            heading=_("About this article"),
        ),
        NarrationRecordingsPanel(),
    ]
    settings_panels = Page.settings_panels + [
        FieldPanel("doctor", permission="articles.change_article"),
        FieldPanel("source_entry", read_only=True),
        FieldPanel("narration_voice"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_keys", boost=10),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("doctor"),
        index.FilterField("audience"),
    ]
    api_fields = [
        APIField("summary"),
        APIField("body"),
        APIField("audience"),
        APIField("doctor_byline"),
        APIField("reading_time_minutes"),
        APIField("last_reviewed"),
    ]

    parent_page_types = ["articles.ArticleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def save(self, *args, **kwargs):
        if self.doctor_id is None and self.owner_id is not None:
            self.doctor = getattr(self.owner, "doctor_profile", None)
        super().save(*args, **kwargs)

    def live_related_entries(self):
        """The published related entries, in title order.

        Filtered in the database by id, because a page rebuilt from a revision (previews, the
        review workflow) holds its many-to-many as an in-memory list without queryset methods.
        """
        ids = [entry.pk for entry in self.related_entries.all()]
        return (
            approved_pages(EncyclopediaEntry.objects).filter(pk__in=ids).order_by("title")
            if ids
            else EncyclopediaEntry.objects.none()
        )

    @property
    def doctor_byline(self) -> str:
        return self.doctor.byline if self.doctor else ""

    @property
    def language(self) -> str:
        return self.locale.language_code

    def plain_text(self) -> str:
        """All readable text of the body, one block per line."""
        parts = [self.title, self.summary]
        for block in self.as_document().blocks:
            parts.extend(filter(None, [block.text, *block.items, block.answer]))
            if block.image:
                parts.append(block.image.caption)
        return "\n".join(part for part in parts if part)

    @property
    def reading_time_minutes(self) -> int:
        text = self.plain_text()
        chinese = len(_HAN.findall(text))
        english_words = len(_WORD.findall(text))
        minutes = chinese / CHINESE_CHARACTERS_PER_MINUTE + english_words / ENGLISH_WORDS_PER_MINUTE
        return max(1, math.ceil(minutes))

    def search_keys(self) -> str:
        """Name key and pinyin of the title: an article titled exactly as the query ranks first."""
        return index_keys([self.title])

    def as_document(self, *, share_url: str = "") -> ArticleDocument:
        """This revision as the plain structure moderation checks and the media pipeline read."""
        blocks: list[DocumentBlock] = []
        for block in self.body:
            value = block.value
            kind = block.block_type
            if kind == "heading":
                blocks.append(DocumentBlock("heading", text=str(value), block_id=block.id))
            elif kind == "paragraph":
                blocks.append(rich_text_block("paragraph", value.source, block.id))
            elif kind == "image":
                blocks.append(
                    DocumentBlock("image", image=document_image(value["image"], value["caption"]), block_id=block.id)
                )
            elif kind == "key_points":
                blocks.append(
                    DocumentBlock(
                        "key_points", text=value["title"] or "", items=tuple(value["points"]), block_id=block.id
                    )
                )
            elif kind == "warning":
                document_block = rich_text_block("warning", value["text"].source, block.id)
                blocks.append(document_block)
            elif kind == "qa":
                answer = value["answer"].source
                blocks.append(
                    DocumentBlock(
                        "qa",
                        text=value["question"],
                        answer=flatten_rich_text(answer),
                        links=links_in(answer),
                        block_id=block.id,
                    )
                )
            elif kind == "references":
                items = tuple(" ".join(filter(None, [ref["citation"], ref["url"]])) for ref in value["references"])
                blocks.append(DocumentBlock("references", items=items, block_id=block.id))
        doctor = self.doctor.credit(self.locale.language_code) if self.doctor else None
        return ArticleDocument(
            title=self.title,
            language=self.locale.language_code,
            blocks=tuple(blocks),
            summary=self.summary,
            doctor_name=doctor.name if doctor else "",
            doctor_title=doctor.title if doctor else "",
            hospital=doctor.hospital if doctor else "",  # in the article's language (DoctorProfile.credit)
            share_url=share_url,
            last_reviewed=self.last_reviewed,
            article_id=self.pk,
            revision_id=self.latest_revision_id,
            tags=tuple(self.tags.names()) if self.pk else (),
            recordings=tuple(
                DocumentRecording(r.paragraph, r.text_fingerprint, r.audio.name, r.audio_sha256, r.duration)
                for r in self.narration_recordings.all()
            ),
        )


def _recording_path(instance: NarrationRecording, filename: str) -> str:
    return f"narration/{uuid.uuid4().hex}.flac"


class NarrationRecording(models.Model):
    """The doctor's own voice for one paragraph of one revision (kept in the revision, reviewed like the text).

    Only the cleaned clip is stored. A new recording makes a new revision, and a file is
    never overwritten, so every revision keeps the voice it was approved with.
    """

    article = ParentalKey("articles.Article", related_name="narration_recordings", on_delete=models.CASCADE)
    paragraph = models.CharField(_("paragraph"), max_length=64, help_text=_('"title", "summary" or the block id'))
    text_fingerprint = models.CharField(max_length=64, help_text=_("fingerprint of the text that was read"))
    audio = models.FileField(_("recording"), upload_to=_recording_path, max_length=255)
    audio_sha256 = models.CharField(max_length=64)
    duration = models.FloatField(_("duration (seconds)"))
    original_name = models.CharField(_("uploaded file"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("narration recording")
        verbose_name_plural = _("narration recordings")

    def __str__(self):
        return f"{self.paragraph} ({self.duration:.1f} s)"
