"""The disease encyclopedia: structured entries and the ICD-10 taxonomy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.core.blocks import CaptionedImageBlock, ReferenceBlock
from cms.core.documents import ArticleDocument, DocumentBlock, document_image, rich_text_block
from cms.core.publication import approved_pages
from cms.search.lexicon import names_for
from cms.search.names import index_keys

from .blocks import entry_section_blocks
from .sections import section_heading


class ICD10Chapter(models.Model):
    """An ICD-10 chapter (level 1) or block (level 2), e.g. 'A00–A09 肠道传染病'."""

    code_from = models.CharField(max_length=3)
    code_to = models.CharField(max_length=3)
    level = models.PositiveSmallIntegerField()
    name_zh = models.CharField(max_length=200)

    class Meta:
        ordering = ["level", "code_from"]
        unique_together = [("code_from", "code_to", "level")]
        verbose_name = _("ICD-10 chapter or block")

    def __str__(self) -> str:
        return f"{self.code_from}–{self.code_to} {self.name_zh}"

    def contains(self, code: str) -> bool:
        return self.code_from <= code[:3] <= self.code_to


class ICD10Category(models.Model):
    """A three-character ICD-10 category with its Chinese name, e.g. 'I10 特发性（原发性）高血压'."""

    # Three characters, plus "+" (dagger) or "*" (asterisk) for dual-classification codes.
    code = models.CharField(max_length=5, unique=True)
    name_zh = models.CharField(max_length=200)
    chapter = models.ForeignKey(ICD10Chapter, on_delete=models.PROTECT, related_name="chapter_categories")
    block = models.ForeignKey(ICD10Chapter, on_delete=models.PROTECT, related_name="block_categories", null=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ICD-10 category")
        verbose_name_plural = _("ICD-10 categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


@lru_cache(maxsize=1)
def codes_with_english_entries() -> frozenset[str]:
    """ICD-10 codes the curated MedQuAD mapping links to an English entry."""
    from .medquad import read_icd_map

    mapping = read_icd_map(Path(__file__).parent / "data" / "medquad_icd10.tsv")
    return frozenset(code for codes in mapping.values() for code in codes)


class EncyclopediaIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["encyclopedia.EncyclopediaEntry"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("encyclopedia")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        entries = approved_pages(EncyclopediaEntry.objects.child_of(self)).order_by("title")
        chapter_code = request.GET.get("chapter", "")
        chapters = list(ICD10Chapter.objects.filter(level=1))
        selected = next((c for c in chapters if c.code_from == chapter_code), None)
        if selected:
            entries = entries.filter(chapter=selected)
        letter = request.GET.get("letter", "")[:1].upper()
        if letter.isalpha() and letter.isascii():
            entries = entries.filter(title__istartswith=letter)
        context.update(
            chapters=chapters,
            selected_chapter=selected,
            letter=letter,
            entries=entries.only("title", "url_path", "summary", "icd10_codes")[:200],
            entry_count=entries.count(),
        )
        return context


class EncyclopediaEntry(Page):
    """One disease or condition, in one language; translations share a translation key."""

    source_id = models.CharField(
        _("source id"),
        max_length=120,
        blank=True,
        db_index=True,
        help_text=_("Identifier in the source dataset; the importer updates entries by it."),
    )
    icd10_codes = models.CharField(
        _("ICD-10 codes"), max_length=200, blank=True, help_text=_("Comma-separated, e.g. I10, I11")
    )
    chapter = models.ForeignKey(
        ICD10Chapter,
        verbose_name=_("chapter / department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
        limit_choices_to={"level": 1},
    )
    synonyms = models.TextField(_("synonyms"), blank=True, help_text=_("One per line."))
    summary = models.TextField(_("summary"), blank=True)
    sections = StreamField(entry_section_blocks(), blank=True, verbose_name=_("sections"))
    illustrations = StreamField([("illustration", CaptionedImageBlock())], blank=True)
    references = StreamField([("reference", ReferenceBlock())], blank=True, verbose_name=_("references"))
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    licence = models.CharField(_("licence line"), max_length=300, blank=True)
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    import_fingerprint = models.CharField(max_length=32, blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("icd10_codes"), FieldPanel("chapter"), FieldPanel("synonyms")],
            heading=_("Classification"),
        ),
        FieldPanel("summary"),
        FieldPanel("sections"),
        FieldPanel("illustrations"),
        FieldPanel("references"),
        MultiFieldPanel(
            [FieldPanel("source_name"), FieldPanel("source_url"), FieldPanel("licence"), FieldPanel("last_reviewed")],
            heading=_("Source and review"),
        ),
    ]
    promote_panels = Page.promote_panels + [FieldPanel("source_id")]

    search_fields = Page.search_fields + [
        index.SearchField("synonyms"),
        index.SearchField("summary"),
        index.SearchField("icd10_codes"),
        index.SearchField("sections"),
        index.SearchField("search_keys", boost=10),
        index.SearchField("linked_names"),
        index.AutocompleteField("synonyms"),
        index.FilterField("chapter"),
        index.FilterField("source_id"),
    ]
    api_fields = [
        APIField("icd10_codes"),
        APIField("synonym_list"),
        APIField("summary"),
        APIField("sections"),
        APIField("references"),
        APIField("source_name"),
        APIField("source_url"),
        APIField("licence"),
        APIField("last_reviewed"),
    ]

    parent_page_types = ["encyclopedia.EncyclopediaIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("encyclopedia entry")
        verbose_name_plural = _("encyclopedia entries")

    @property
    def synonym_list(self) -> list[str]:
        return [line.strip() for line in self.synonyms.splitlines() if line.strip()]

    @property
    def code_list(self) -> list[str]:
        return [code.strip() for code in self.icd10_codes.split(",") if code.strip()]

    @property
    def language(self) -> str:
        return self.locale.language_code

    def icd_categories(self) -> list[ICD10Category]:
        """The entry's ICD-10 categories in code order; the page shows their official names."""
        by_code = {category.code: category for category in ICD10Category.objects.filter(code__in=self.code_list)}
        return [by_code[code] for code in self.code_list if code in by_code]

    def search_keys(self) -> str:
        """Name keys and pinyin of the title and synonyms: exact names rank first, `gaoxueya` finds 高血压."""
        return index_keys([self.title, *self.synonym_list])

    def linked_names(self) -> str:
        """Names of the same condition in the other language, so a Chinese query finds the English entry.

        An English entry takes the Chinese ICD-10 titles and lexicon names of its codes; both
        take the titles and synonyms of the entries sharing their translation key (the importer
        links an ICD-10 entry to its mapped MedQuAD entry that way).
        """
        names: list[str] = []
        if self.locale_id and self.locale.language_code == "en":
            codes = self.code_list
            if not codes:
                return ""
            names += ICD10Category.objects.filter(code__in=codes).values_list("name_zh", flat=True)
            names += [name for code in codes for name in names_for(code)]
        elif not self.pk or not set(self.code_list) & codes_with_english_entries():
            return ""
        partners = EncyclopediaEntry.objects.filter(translation_key=self.translation_key).exclude(pk=self.pk)
        for title, synonyms in partners.values_list("title", "synonyms"):
            names += [title, *synonyms.splitlines()]
        return "\n".join(dict.fromkeys(name.strip() for name in names if name.strip()))

    def section_items(self) -> list[tuple[str, str, str]]:
        """(kind, heading, html) for every section, with the standard heading where none is set."""
        language = self.locale.language_code
        return [
            (
                block.block_type,
                block.value["heading"] or section_heading(block.block_type, language),
                block.value["body"].source,
            )
            for block in self.sections
        ]

    def plain_text(self) -> str:
        return "\n".join(strip_tags(html) for _kind, _heading, html in self.section_items())

    def as_document(self) -> ArticleDocument:
        """This revision as the document the checks read: each section a heading and a paragraph,
        the illustrations image blocks, the references one references block."""
        blocks: list[DocumentBlock] = []
        for section in self.sections:
            heading = section.value["heading"] or section_heading(section.block_type, self.locale.language_code)
            blocks.append(DocumentBlock("heading", text=heading, block_id=f"{section.id}-heading"))
            blocks.append(rich_text_block("paragraph", section.value["body"].source, section.id))
        for illustration in self.illustrations:
            image = document_image(illustration.value["image"], illustration.value["caption"])
            blocks.append(DocumentBlock("image", image=image, block_id=illustration.id))
        references = tuple(" ".join(filter(None, [ref.value["citation"], ref.value["url"]])) for ref in self.references)
        if references:
            blocks.append(DocumentBlock("references", items=references, block_id="references"))
        return ArticleDocument(
            title=self.title,
            language=self.locale.language_code,
            blocks=tuple(blocks),
            summary=self.summary,
            last_reviewed=self.last_reviewed,
            article_id=self.pk,
            revision_id=self.latest_revision_id,
        )
