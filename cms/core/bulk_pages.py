"""Writing many pages under one parent in a few queries.

Wagtail creates a page with ``parent.add_child()``, which locks and rewrites
the tree one page at a time: fine for an editor, far too slow for importing an
encyclopedia of thousands of entries. Here the tree paths are computed up front
and the rows of both tables (``wagtailcore_page`` and the specific page type's
own table) are inserted in batches. The pages are indexed for search in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page
from wagtail.search.backends import get_search_backends

BATCH_SIZE = 500


def next_child_paths(parent: Page, count: int) -> list[str]:
    """Materialised paths for ``count`` new children appended after the parent's last child."""
    last_child = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("-path").first()
    start = Page._str2int(last_child.path[-Page.steplen :]) + 1 if last_child else 1
    return [Page._get_path(parent.path, parent.depth + 1, start + offset) for offset in range(count)]


def insert_child_pages(parent: Page, pages: Sequence[Page], *, live: bool = True) -> None:
    """Insert new, unsaved specific pages (all of one type) as children of ``parent``: live, or drafts."""
    if not pages:
        return
    model = type(pages[0])
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    paths = next_child_paths(parent, len(pages))
    base_rows = []
    for page, path in zip(pages, paths, strict=True):
        page.path = path
        page.depth = parent.depth + 1
        page.numchild = 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.content_type = content_type
        page.locale_id = page.locale_id or parent.locale_id
        page.draft_title = page.title
        page.live = live
        page.has_unpublished_changes = not live
        if live:
            page.first_published_at = page.first_published_at or now
            page.last_published_at = page.last_published_at or now
        base_rows.append(
            Page(
                **{
                    field.attname: getattr(page, field.attname)
                    for field in Page._meta.concrete_fields
                    if field.attname != "id"
                }
            )
        )
    with transaction.atomic():
        for start in range(0, len(base_rows), BATCH_SIZE):
            Page.objects.bulk_create(base_rows[start : start + BATCH_SIZE])
        for page, row in zip(pages, base_rows, strict=True):
            page.pk = page.id = row.pk
            setattr(page, model._meta.pk.attname, row.pk)
            page._state.adding = False
        _insert_specific_rows(model, pages)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    parent.numchild += len(pages)


def _insert_specific_rows(model, pages: Sequence[Page]) -> None:
    """INSERT the specific model's own columns; Django's bulk_create refuses multi-table models."""
    fields = [field for field in model._meta.local_concrete_fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model, values bound
    rows = [[field.get_db_prep_save(field.pre_save(page, True), connection) for field in fields] for page in pages]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])


def update_pages(pages: Sequence[Page], fields: Iterable[str]) -> None:
    """Save changed fields of existing pages in batches (both tables)."""
    if pages:
        type(pages[0]).objects.bulk_update(list(pages), list(fields), batch_size=BATCH_SIZE)


def index_pages(pages: Sequence[Page]) -> None:
    """Add or refresh pages in every configured search backend, in bulk."""
    if not pages:
        return
    model = type(pages[0])
    for backend in get_search_backends(with_auto_update=True):
        for start in range(0, len(pages), BATCH_SIZE):
            backend.add_bulk(model, list(pages[start : start + BATCH_SIZE]))


def refresh_planner_statistics(models: Iterable[type]) -> None:
    """Give PostgreSQL's planner statistics on the tables a bulk load wrote.

    Until autovacuum gets round to it (or never, where it is off), the planner
    guesses one row for thousands: the API's page filter ran 22 ms instead of 4
    after the encyclopedia import. ``VACUUM`` also merges the search index's GIN
    pending list; inside a transaction only ``ANALYZE`` is allowed.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {tables}")
