"""Wagtail's database search backend with Chinese cut into words, at index and at query time.

SQLite FTS5 and PostgreSQL split text on spaces and punctuation, so a Chinese title is
one token and 在家测血压 could only be found by typing it whole. Every Chinese value
this backend indexes — any model's search and autocomplete fields, Wagtail's own pages,
images and documents included, so the admin choosers find Chinese titles too — gets its
jieba words appended; queries are cut the same way and sent with their name key and
pinyin (see ``cms.search.names``), for whichever database engine is in use (SQLite FTS5,
PostgreSQL full text, or the fallback). On SQLite and PostgreSQL the vendor backend is the
studio's ranked one (``cms.search.backends.ranking``): one ranked hit list per search, from
the index table alone, shared by the page of results and its count.
"""

import sys

from modelsearch.backends.database import SearchBackend as database_backend_for_vendor
from modelsearch.index import RelatedFields
from modelsearch.query import Or, PlainText

from cms.search.names import name_key, pinyin_key, pinyin_query
from cms.search.segmentation import segment_for_index, segment_query

from .ranking import NameKey


def chinese_query(query: str, operator: str):
    """A typed query as the engine should see it: its words, or the exact name, or its pinyin.

    ``Or(PlainText(words), PlainText(name key), PlainText(joined pinyin), PlainText(pinyin key))``:
    the words keep their operator (every word must match on the database backends); an
    entry whose title or synonym is exactly the query also matches its key, which ranks it
    above entries that only contain the words. Returns "" when nothing searchable is left.
    """
    words = segment_query(query)
    alternatives = [PlainText(words, operator=operator)] if words else []
    key = name_key(query)
    if key:
        alternatives.append(NameKey(key, operator=operator))
    pinyin = pinyin_query(query)
    if pinyin:
        if pinyin != words.casefold():
            alternatives.append(PlainText(pinyin, operator=operator))
        alternatives.append(NameKey(pinyin_key(pinyin), operator=operator))
    if not alternatives:
        return ""
    return alternatives[0] if len(alternatives) == 1 else Or(alternatives)


class ChineseQueryMixin:
    def search(self, query, model_or_queryset, *args, operator=None, **kwargs):
        if isinstance(query, str):
            query = chinese_query(query, operator or self.query_compiler_class.DEFAULT_OPERATOR)
        return super().search(query, model_or_queryset, *args, operator=operator, **kwargs)

    def autocomplete(self, query, model_or_queryset, *args, **kwargs):
        # Autocomplete columns hold titles and their words, not keys; Elasticsearch's
        # autocomplete takes plain text only. The words are what can match there.
        if isinstance(query, str):
            query = segment_query(query)
        return super().autocomplete(query, model_or_queryset, *args, **kwargs)


def _segmenting(indexer_class):
    """The vendor's ObjectIndexer, with the jieba words of every Chinese value appended."""
    if getattr(indexer_class, "segments_chinese", False):
        return indexer_class

    class SegmentingObjectIndexer(indexer_class):
        segments_chinese = True

        def prepare_field(self, obj, field):
            if isinstance(field, RelatedFields):  # its sub-fields come back through this method
                yield from super().prepare_field(obj, field)
                return
            for *head, value in super().prepare_field(obj, field):
                words = segment_for_index(value)
                yield (*head, f"{value} {words}" if words else value)

    return SegmentingObjectIndexer


def _index_chinese_words(backend_class) -> None:
    """Make the vendor index build its rows with the segmenting indexer.

    modelsearch's SQLite and PostgreSQL indexes instantiate the module-level
    ``ObjectIndexer`` inside ``add_items`` and offer no hook for it; replacing that one
    name (idempotently) changes what is indexed without copying their bulk-insert code.
    """
    module = sys.modules[backend_class.index_class.__module__]
    if hasattr(module, "ObjectIndexer"):
        module.ObjectIndexer = _segmenting(module.ObjectIndexer)


def _ranked_backend_class(backend_class):
    """The vendor backend with its ranked-hits compilers (see ``ranking``), where the studio has them."""
    if backend_class.__name__ == "SQLiteSearchBackend":
        from .sqlite import RankedSQLiteBackend

        return RankedSQLiteBackend
    if backend_class.__name__ == "PostgresSearchBackend":
        from .postgres import RankedPostgresBackend

        return RankedPostgresBackend
    return backend_class  # the fallback backend (no full-text engine) and MySQL: as shipped


def SearchBackend(params):  # noqa: N802 - Wagtail looks up this name
    backend_class = _ranked_backend_class(type(database_backend_for_vendor(params)))
    _index_chinese_words(backend_class)
    chinese_aware = type(f"Chinese{backend_class.__name__}", (ChineseQueryMixin, backend_class), {})
    return chinese_aware(params)
