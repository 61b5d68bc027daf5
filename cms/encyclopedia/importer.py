"""Importing the encyclopedia: MedQuAD in English, ICD-10 categories in Chinese.

Idempotent: entries are keyed on their source id within their language; a
second run updates changed entries, skips unchanged ones and creates nothing
twice. Pages are written in bulk (see ``cms.core.bulk_pages``) because the
tree-locking ``add_child`` path manages only a couple of dozen entries a
second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify
from wagtail.blocks import StreamValue
from wagtail.models import Locale

from cms.core.bulk_pages import index_pages, insert_child_pages, update_pages
from cms.core.studio_setup import ensure_site_tree
from cms.search.lexicon import names_for

from .medquad import (
    ICD10_LICENCE,
    EntryRecord,
    MalformedRecord,
    read_icd10_blocks,
    read_icd10_categories,
    read_icd_map,
    read_medquad,
)
from .models import EncyclopediaEntry, EncyclopediaIndexPage, ICD10Category, ICD10Chapter

ICD_MAP_PATH = Path(__file__).parent / "data" / "medquad_icd10.tsv"
UPDATABLE_FIELDS = [
    "title", "draft_title", "synonyms", "summary", "sections", "source_name", "source_url", "licence",
    "icd10_codes", "chapter", "import_fingerprint",
]
BATCH = 500


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason)
    icd_categories: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def locate_sources(path: Path) -> tuple[Path | None, Path | None]:
    """Find the MedQuAD file and the ICD-10 folder in a data folder (or accept a file path)."""
    path = Path(path)
    if path.is_file():
        return path, None
    medquad = next(iter(sorted(path.glob("medquad/*.jsonl*"))), None) or next(iter(sorted(path.glob("*.jsonl*"))), None)
    icd = path / "icd10-cn" if (path / "icd10-cn" / "categories.tsv").exists() else (
        path if (path / "categories.tsv").exists() else None)
    return medquad, icd


class EncyclopediaImporter:
    def __init__(self, progress: Callable[[int], None] | None = None):
        self.progress = progress or (lambda n: None)
        self.report = ImportReport()
        self.tree = ensure_site_tree()
        self.chapters: list[ICD10Chapter] = []
        self.categories: dict[str, ICD10Category] = {}

    # ICD-10 taxonomy ---------------------------------------------------------------------------

    @transaction.atomic
    def import_icd10(self, folder: Path) -> None:
        blocks = read_icd10_blocks(folder / "blocks.tsv")
        existing = {(c.code_from, c.code_to, c.level): c for c in ICD10Chapter.objects.all()}
        for row in blocks:
            key = (row.code_from, row.code_to, row.level)
            chapter = existing.get(key)
            if chapter is None:
                existing[key] = ICD10Chapter.objects.create(
                    code_from=row.code_from, code_to=row.code_to, level=row.level, name_zh=row.name_zh)
            elif chapter.name_zh != row.name_zh:
                chapter.name_zh = row.name_zh
                chapter.save(update_fields=["name_zh"])
        self.chapters = sorted(existing.values(), key=lambda c: (c.level, c.code_from))
        categories = read_icd10_categories(folder / "categories.tsv")
        current = {c.code: c for c in ICD10Category.objects.all()}
        to_create, to_update = [], []
        for code, name in categories:
            chapter, block = self.chapter_for(code, 1), self.chapter_for(code, 2)
            if chapter is None:
                self.report.skipped.append(("categories.tsv", 0, f"{code}: no ICD-10 chapter contains this code"))
                continue
            category = current.get(code)
            if category is None:
                to_create.append(ICD10Category(code=code, name_zh=name, chapter=chapter, block=block))
            elif (category.name_zh, category.chapter_id, category.block_id) != (name, chapter.pk, block.pk if block else None):
                category.name_zh, category.chapter, category.block = name, chapter, block
                to_update.append(category)
        ICD10Category.objects.bulk_create(to_create, batch_size=BATCH)
        ICD10Category.objects.bulk_update(to_update, ["name_zh", "chapter", "block"], batch_size=BATCH)
        self.categories = {c.code: c for c in ICD10Category.objects.select_related("chapter", "block")}
        self.report.icd_categories = len(self.categories)

    def chapter_for(self, code: str, level: int) -> ICD10Chapter | None:
        return next((c for c in self.chapters if c.level == level and c.contains(code)), None)

    def icd_records(self) -> list[EntryRecord]:
        """One Chinese entry per ICD-10 category: the Chinese side of the encyclopedia's taxonomy."""
        records = []
        for code, category in sorted(self.categories.items()):
            path = " › ".join(filter(None, [category.chapter.name_zh, category.block.name_zh if category.block else ""]))
            records.append(EntryRecord(
                source_id=f"icd10-cn:{code}", title=category.name_zh, language="zh-hans", synonyms=names_for(code),
                source_name="ICD-10 (中文类目)", source_url="", licence=ICD10_LICENCE,
                summary=f"ICD-10 编码 {code}，属于：{path}。", sections=[], icd10_codes=[code],
            ))
        return records

    # Entries -----------------------------------------------------------------------------------

    def import_medquad(self, path: Path) -> None:
        icd_map = read_icd_map(ICD_MAP_PATH)
        batch: list[EntryRecord] = []
        for line_number, item in read_medquad(path, icd_map):
            if isinstance(item, MalformedRecord):
                self.report.skipped.append((path.name, line_number, str(item)))
                self.progress(1)
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                self.write(batch, "en")
                batch = []
        self.write(batch, "en")

    def import_icd_entries(self) -> None:
        records = self.icd_records()
        for start in range(0, len(records), BATCH):
            self.write(records[start:start + BATCH], "zh-hans")

    @transaction.atomic
    def write(self, records: list[EntryRecord], language: str) -> None:
        if not records:
            return
        parent: EncyclopediaIndexPage = self.tree[language]["encyclopedia"]
        locale = Locale.objects.get(language_code=language)
        by_source = {}
        for record in records:  # a duplicate id within one batch: the later line wins
            by_source[record.source_id] = record
        existing = {
            entry.source_id: entry
            for entry in EncyclopediaEntry.objects.child_of(parent).filter(source_id__in=list(by_source)).defer("sections")
        }
        taken_slugs = set(
            EncyclopediaEntry.objects.child_of(parent).values_list("slug", flat=True)) if len(existing) < len(by_source) else set()
        new_pages, changed = [], []
        for source_id, record in by_source.items():
            fingerprint = record.fingerprint()
            entry = existing.get(source_id)
            if entry is not None and entry.import_fingerprint == fingerprint:
                self.report.unchanged += 1
                continue
            values = self.field_values(record, fingerprint)
            if entry is None:
                slug = self.unique_slug(record, taken_slugs)
                new_pages.append(EncyclopediaEntry(slug=slug, locale=locale, source_id=source_id, **values))
            else:
                for name, value in values.items():
                    setattr(entry, name, value)
                entry.draft_title = entry.title
                changed.append(entry)
        insert_child_pages(parent, new_pages)
        update_pages(changed, UPDATABLE_FIELDS)
        self.link_translations(new_pages)
        index_pages(new_pages + changed)
        self.report.created += len(new_pages)
        self.report.updated += len(changed)
        self.progress(len(by_source))

    def field_values(self, record: EntryRecord, fingerprint: str) -> dict:
        chapter = None
        for code in record.icd10_codes:
            chapter = self.chapter_for(code, 1) if self.chapters else None
            if chapter:
                break
        sections = StreamValue(
            EncyclopediaEntry.sections.field.stream_block,
            [(kind, {"heading": "", "body": html}) for kind, html in record.sections],
            is_lazy=False,
        )
        return dict(
            title=record.title, synonyms="\n".join(record.synonyms), summary=record.summary, sections=sections,
            source_name=record.source_name, source_url=record.source_url, licence=record.licence,
            icd10_codes=", ".join(record.icd10_codes), chapter=chapter, import_fingerprint=fingerprint,
        )

    @staticmethod
    def unique_slug(record: EntryRecord, taken: set[str]) -> str:
        base = (slugify(record.title)[:70] or slugify(record.source_id.replace(":", "-").replace("/", "-"))[:70]).strip("-")
        base = base or "entry"
        slug, counter = base, 2
        while slug in taken:
            slug = f"{base}-{counter}"
            counter += 1
        taken.add(slug)
        return slug

    def link_translations(self, new_pages: list[EncyclopediaEntry]) -> None:
        """Give a Chinese ICD entry and its mapped English entry one translation key."""
        if not new_pages:
            return
        codes = {}
        for page in new_pages:
            for code in page.code_list[:1]:
                codes[code] = page
        if not codes:
            return
        other_language = "en" if new_pages[0].locale.language_code == "zh-hans" else "zh-hans"
        partners = EncyclopediaEntry.objects.child_of(self.tree[other_language]["encyclopedia"]).filter(
            icd10_codes__in=list(codes))
        linked = []
        for partner in partners:
            page = codes.get(partner.code_list[0] if partner.code_list else "")
            if page is None:
                continue
            taken = EncyclopediaEntry.objects.filter(translation_key=partner.translation_key, locale=page.locale).exists()
            if not taken:
                EncyclopediaEntry.objects.filter(pk=page.pk).update(translation_key=partner.translation_key)
                page.translation_key = partner.translation_key
                linked.append(partner)
        index_pages(linked)  # their linked_names now include the new partner's names


def import_encyclopedia(path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    medquad, icd_folder = locate_sources(Path(path))
    if medquad is None and icd_folder is None:
        raise FileNotFoundError(f"No MedQuAD JSONL or ICD-10 TSV files found in {path}")
    importer = EncyclopediaImporter(progress)
    if icd_folder is not None:
        importer.import_icd10(icd_folder)
        importer.import_icd_entries()
    elif ICD10Chapter.objects.exists():
        importer.chapters = list(ICD10Chapter.objects.order_by("level", "code_from"))
    if medquad is not None:
        importer.import_medquad(medquad)
    return importer.report


def count_lines(paths: Iterable[Path | None]) -> int:
    import gzip

    total = 0
    for path in paths:
        if path is None:
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total
