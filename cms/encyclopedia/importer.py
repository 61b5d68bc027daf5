"""Importing the encyclopedia: MedQuAD in English, ICD-10 categories in Chinese,
and the Chinese entries the studio writes (``data/zh_entries``).

Idempotent: entries are keyed on their source id within their language; a
second run updates changed entries, skips unchanged ones and creates nothing
twice. A written Chinese entry becomes the content of the ICD-10 category page
of its primary code, so there stays one Chinese page per category (a second
entry on the same code gets a page of its own). Pages are written in bulk (see ``cms.core.bulk_pages``) because the
tree-locking ``add_child`` path manages only a couple of dozen entries a
second.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify
from wagtail.blocks import StreamValue
from wagtail.models import Locale, Page
from wagtail.search.models import IndexEntry

from cms.core.bulk_pages import index_pages, insert_child_pages, refresh_planner_statistics, update_pages
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
from .signals import entries_imported
from .written import (
    STUDIO_ATTRIBUTION,
    STUDIO_SOURCE_NAME,
    ZH_ENTRIES_DIR,
    MalformedEntry,
    WrittenEntry,
    read_written_entries,
)

ICD_MAP_PATH = Path(__file__).parent / "data" / "medquad_icd10.tsv"
UPDATABLE_FIELDS = [
    "title",
    "draft_title",
    "synonyms",
    "summary",
    "sections",
    "source_name",
    "source_url",
    "licence",
    "icd10_codes",
    "chapter",
    "import_fingerprint",
    "references",
    "last_reviewed",
]
BATCH = 500


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (file, "line 3" / "entry I10", reason)
    icd_categories: int = 0
    written: int = 0  # the studio's Chinese entries found valid
    drafted: int = 0  # of which saved as a new unpublished revision (--as-drafts)
    published_ids: set[int] = field(default_factory=set, repr=False)  # entries created or changed on the live site

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def locate_sources(path: Path) -> tuple[Path | None, Path | None]:
    """Find the MedQuAD file and the ICD-10 folder in a data folder (or accept a file path)."""
    path = Path(path)
    if path.is_file():
        return path, None
    medquad = next(iter(sorted(path.glob("medquad/*.jsonl*"))), None) or next(iter(sorted(path.glob("*.jsonl*"))), None)
    icd = (
        path / "icd10-cn"
        if (path / "icd10-cn" / "categories.tsv").exists()
        else (path if (path / "categories.tsv").exists() else None)
    )
    return medquad, icd


class EncyclopediaImporter:
    def __init__(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        written_folder: Path | None = ZH_ENTRIES_DIR,
        as_drafts: bool = False,
    ):
        self.progress = progress or (lambda n: None)
        self.report = ImportReport()
        self.tree = ensure_site_tree()
        self.chapters: list[ICD10Chapter] = []
        self.categories: dict[str, ICD10Category] = {}
        self.written_folder = written_folder
        self.as_drafts = as_drafts
        self.attached: dict[str, WrittenEntry] = {}  # ICD-10 code → the written entry shown on its page
        self.own_pages: list[WrittenEntry] = []  # written entries whose primary code is taken

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
                    code_from=row.code_from, code_to=row.code_to, level=row.level, name_zh=row.name_zh
                )
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
                self.report.skipped.append(("categories.tsv", f"code {code}", "no ICD-10 chapter contains this code"))
                continue
            category = current.get(code)
            if category is None:
                to_create.append(ICD10Category(code=code, name_zh=name, chapter=chapter, block=block))
            elif (category.name_zh, category.chapter_id, category.block_id) != (
                name,
                chapter.pk,
                block.pk if block else None,
            ):
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
            path = " › ".join(
                filter(None, [category.chapter.name_zh, category.block.name_zh if category.block else ""])
            )
            records.append(
                EntryRecord(
                    source_id=f"icd10-cn:{code}",
                    title=category.name_zh,
                    language="zh-hans",
                    synonyms=names_for(code),
                    source_name="ICD-10 (中文类目)",
                    source_url="",
                    licence=ICD10_LICENCE,
                    summary=f"ICD-10 编码 {code}，属于：{path}。",
                    sections=[],
                    icd10_codes=[code],
                )
            )
        return records

    def live_zh_records(self) -> list[EntryRecord]:
        """The Chinese pages as published (after ``read_written``): each category's page with its written entry's
        text where there is one, then the written entries whose code another one took."""
        return [
            self.written_record(self.attached[record.icd10_codes[0]], record.source_id)
            if record.icd10_codes[0] in self.attached
            else record
            for record in self.icd_records()
        ] + [self.written_record(entry, f"kepu-zh:{entry.id}") for entry in self.own_pages]

    # Entries -----------------------------------------------------------------------------------

    def import_medquad(self, path: Path) -> None:
        icd_map = read_icd_map(ICD_MAP_PATH)
        batch: list[EntryRecord] = []
        for line_number, item in read_medquad(path, icd_map):
            if isinstance(item, MalformedRecord):
                self.report.skipped.append((path.name, f"line {line_number}", str(item)))
                self.progress(1)
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                self.write(batch, "en")
                batch = []
        self.write(batch, "en")

    def import_icd_entries(self) -> None:
        self.read_written()
        if self.as_drafts:
            # Live pages keep what they show; only missing category pages are created (with the ICD text).
            existing = set(
                EncyclopediaEntry.objects.child_of(self.tree["zh-hans"]["encyclopedia"])
                .filter(source_id__in=[f"icd10-cn:{code}" for code in self.attached])
                .values_list("source_id", flat=True)
            )
            records = [record for record in self.icd_records() if record.source_id not in existing]
        else:
            records = self.live_zh_records()
        for start in range(0, len(records), BATCH):
            self.write(records[start : start + BATCH], "zh-hans")
        if self.as_drafts:
            self.write_drafts()

    # The studio's written Chinese entries ------------------------------------------------------

    def read_written(self) -> None:
        """Read and place the written entries: on their category's page, or (code taken) on their own."""
        if self.written_folder is None or not Path(self.written_folder).is_dir():
            return
        entries = []
        for file_name, entry_id, item in read_written_entries(Path(self.written_folder), set(self.categories)):
            if isinstance(item, MalformedEntry):
                self.report.skipped.append((file_name, f"entry {entry_id}" if entry_id else "(whole file)", str(item)))
            else:
                entries.append(item)
        self.report.written = len(entries)
        # The entry whose id is the bare code ("M54") owns the category page; then file order decides.
        for entry in sorted(entries, key=lambda e: e.id != e.primary_code):
            if entry.primary_code in self.attached:
                self.own_pages.append(entry)
            else:
                self.attached[entry.primary_code] = entry

    def written_record(self, entry: WrittenEntry, source_id: str) -> EntryRecord:
        synonyms = list(entry.synonyms)
        official = self.categories[entry.primary_code].name_zh
        if source_id.startswith("icd10-cn:"):
            if official not in synonyms and official != entry.title:
                synonyms.append(official)  # searches for the ICD-10 name still find the category's page
            # The category page keeps every name people search it by, written entry or not.
            synonyms += [name for name in names_for(entry.primary_code) if name not in synonyms and name != entry.title]
        return EntryRecord(
            source_id=source_id,
            title=entry.title,
            language="zh-hans",
            synonyms=synonyms,
            source_name=STUDIO_SOURCE_NAME,
            source_url="",
            licence=STUDIO_ATTRIBUTION,
            summary=entry.summary,
            sections=list(entry.sections),
            icd10_codes=list(entry.codes),
            references=list(entry.references),
            last_reviewed=entry.last_reviewed,
        )

    def written_records(self) -> list[tuple[EntryRecord, WrittenEntry]]:
        return [(self.written_record(entry, f"icd10-cn:{code}"), entry) for code, entry in self.attached.items()] + [
            (self.written_record(entry, f"kepu-zh:{entry.id}"), entry) for entry in self.own_pages
        ]

    @transaction.atomic
    def write_drafts(self) -> None:
        """Save the written content as a new unpublished revision of each page, for the hospital's review.

        A page already showing (or already holding a draft of) exactly this
        content is left alone, so running it again adds no revisions.
        """
        parent: EncyclopediaIndexPage = self.tree["zh-hans"]["encyclopedia"]
        locale = Locale.objects.get(language_code="zh-hans")
        records = [record for record, _entry in self.written_records()]
        pages = {
            page.source_id: page
            for page in EncyclopediaEntry.objects.child_of(parent)
            .filter(source_id__in=[record.source_id for record in records])
            .select_related("latest_revision")
        }
        taken_slugs = set(EncyclopediaEntry.objects.child_of(parent).values_list("slug", flat=True))
        new_pages, drafted = [], []
        for record in records:
            fingerprint = record.fingerprint()
            values = self.field_values(record, fingerprint)
            page = pages.get(record.source_id)
            if page is None:
                new_pages.append(
                    EncyclopediaEntry(
                        slug=self.unique_slug(record, taken_slugs), locale=locale, source_id=record.source_id, **values
                    )
                )
                continue
            draft = page.latest_revision.content if page.latest_revision else {}
            if fingerprint in (page.import_fingerprint, draft.get("import_fingerprint")):
                self.report.unchanged += 1
                continue
            for name, value in values.items():
                setattr(page, name, value)
            drafted.append(page)
        insert_child_pages(parent, new_pages, live=False)
        index_pages(new_pages)
        for page in new_pages + drafted:
            page.save_revision(clean=False, log_action="wagtail.edit")
        self.report.created += len(new_pages)
        self.report.drafted += len(new_pages) + len(drafted)

    def link_written_translations(self) -> None:
        """Make each written entry and its MedQuAD entry translations of each other (one translation key)."""
        pairs: dict[str, str] = {}
        claimed: set[str] = set()
        for record, entry in self.written_records():
            if entry.medquad_id and entry.medquad_id not in claimed:
                pairs[record.source_id] = entry.medquad_id
                claimed.add(entry.medquad_id)
        if not pairs:
            return
        chinese = {
            page.source_id: page
            for page in EncyclopediaEntry.objects.child_of(self.tree["zh-hans"]["encyclopedia"])
            .filter(source_id__in=list(pairs))
            .only("id", "source_id", "translation_key", "locale")
        }
        english_keys = dict(
            EncyclopediaEntry.objects.child_of(self.tree["en"]["encyclopedia"])
            .filter(source_id__in=list(pairs.values()))
            .values_list("source_id", "translation_key")
        )
        for source_id, medquad_id in pairs.items():
            page, key = chinese.get(source_id), english_keys.get(medquad_id)
            if page is None or key is None or page.translation_key == key:
                continue
            # A Chinese page linked to that English entry by code alone gives way to the written one.
            EncyclopediaEntry.objects.filter(translation_key=key, locale_id=page.locale_id).exclude(pk=page.pk).update(
                translation_key=uuid.uuid4()
            )
            EncyclopediaEntry.objects.filter(pk=page.pk).update(translation_key=key)

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
            for entry in EncyclopediaEntry.objects.child_of(parent)
            .filter(source_id__in=list(by_source))
            .defer("sections")
        }
        taken_slugs = (
            set(EncyclopediaEntry.objects.child_of(parent).values_list("slug", flat=True))
            if len(existing) < len(by_source)
            else set()
        )
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
        for entry in changed:
            if entry.latest_revision_id:  # edited in the admin before: the newest revision must be what is live
                revision = entry.save_revision(clean=False, changed=False)
                EncyclopediaEntry.objects.filter(pk=entry.pk).update(
                    live_revision=revision, has_unpublished_changes=False
                )
        self.link_translations(new_pages)
        index_pages(new_pages + changed)
        self.report.created += len(new_pages)
        self.report.updated += len(changed)
        self.report.published_ids.update(page.pk for page in new_pages + changed)
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
        references = StreamValue(
            EncyclopediaEntry.references.field.stream_block,
            [("reference", {"citation": citation, "url": url}) for citation, url in record.references],
            is_lazy=False,
        )
        return dict(
            title=record.title,
            synonyms="\n".join(record.synonyms),
            summary=record.summary,
            sections=sections,
            source_name=record.source_name,
            source_url=record.source_url,
            licence=record.licence,
            icd10_codes=", ".join(record.icd10_codes),
            chapter=chapter,
            import_fingerprint=fingerprint,
            references=references,
            last_reviewed=record.last_reviewed,
        )

    @staticmethod
    def unique_slug(record: EntryRecord, taken: set[str]) -> str:
        base = (slugify(record.title)[:70] or slugify(record.source_id.replace(":", "-").replace("/", "-"))[:70]).strip(
            "-"
        )
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
            icd10_codes__in=list(codes)
        )
        linked = []
        for partner in partners:
            page = codes.get(partner.code_list[0] if partner.code_list else "")
            if page is None:
                continue
            taken = EncyclopediaEntry.objects.filter(
                translation_key=partner.translation_key, locale=page.locale
            ).exists()
            if not taken:
                EncyclopediaEntry.objects.filter(pk=page.pk).update(translation_key=partner.translation_key)
                page.translation_key = partner.translation_key
                linked.append(partner)
        index_pages(linked)  # their linked_names now include the new partner's names


def import_encyclopedia(
    path: Path,
    progress: Callable[[int], None] | None = None,
    *,
    written_folder: Path | None = ZH_ENTRIES_DIR,
    as_drafts: bool = False,
) -> ImportReport:
    """Import what ``path`` holds; the written Chinese entries come with the ICD-10 categories they attach to."""
    medquad, icd_folder = locate_sources(Path(path))
    if medquad is None and icd_folder is None:
        raise FileNotFoundError(f"No MedQuAD JSONL or ICD-10 TSV files found in {path}")
    importer = EncyclopediaImporter(progress, written_folder=written_folder, as_drafts=as_drafts)
    if icd_folder is not None:
        importer.import_icd10(icd_folder)
        importer.import_icd_entries()
    elif ICD10Chapter.objects.exists():
        importer.chapters = list(ICD10Chapter.objects.order_by("level", "code_from"))
    if medquad is not None:
        importer.import_medquad(medquad)
    importer.link_written_translations()
    refresh_planner_statistics([Page, EncyclopediaEntry, IndexEntry])
    if importer.report.published_ids:  # one notice for the whole run (feeds ping their hub once per topic)
        entries_imported.send(sender=EncyclopediaEntry, entry_ids=sorted(importer.report.published_ids))
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
