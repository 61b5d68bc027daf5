"""Wagtail's database search backend with Chinese cut into words, at index and at query time.

SQLite FTS5 and PostgreSQL split text on spaces and punctuation, so a Chinese title is
one token and 在家测血压 could only be found by typing it whole. Every Chinese value
this backend indexes — any model's search and autocomplete fields, Wagtail's own pages,
images and documents included, so the admin choosers find Chinese titles too — gets its
jieba words appended; queries are cut the same way and sent with their name key and
pinyin (see ``cms.search.names``), for whichever database engine is in use (SQLite FTS5,
PostgreSQL full text, or the fallback). On SQLite it also weights title matches above
body matches, which stock BM25 over the whole row does not: a search for "heart attack"
should put *Heart Attack* first.
"""

import sys

from django.db.models import Case, FloatField, Func, IntegerField, Value, When
from modelsearch.backends.database import SearchBackend as database_backend_for_vendor
from modelsearch.index import RelatedFields
from modelsearch.query import Or, PlainText

from cms.search.names import name_key, pinyin_key, pinyin_query
from cms.search.segmentation import segment_for_index, segment_query

# Column weights for bm25() over the FTS5 table's columns (autocomplete, body, title).
SQLITE_COLUMN_WEIGHTS = (0.0, 1.0, 8.0)


class NameKey(PlainText):
    """The name key (or pinyin key) of a whole query: matches entries whose title or synonym is the query."""


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


class WeightedBM25(Func):
    output_field = FloatField()

    def as_sql(self, compiler, connection, function=None, template=None):
        from modelsearch.backends.database.sqlite.sqlite import SQLiteFTSIndexEntry

        weights = ", ".join(str(weight) for weight in SQLITE_COLUMN_WEIGHTS)
        return f"bm25({SQLiteFTSIndexEntry._meta.db_table}, {weights})", []


def _ranked_once(compiler_class):
    """SQLite compiler that scores each match once and fetches only the requested page.

    The stock compiler annotates the page queryset with a correlated subquery
    that re-runs the full-text MATCH for every candidate row, which grows with
    the square of the number of hits ("diabetes" matches hundreds of entries).
    Here one FTS query returns every hit with its score, the queryset's own
    filters (live, public, locale…) are applied to those ids in one more query,
    and only the requested slice is loaded, in rank order.
    """

    class RankedOnceCompiler(compiler_class):
        def build_tsrank(self, vector, query, config=None, boost=1.0):
            # bm25() scores the row against the whole MATCH expression: one call ranks an
            # Or of words, name key and pinyin too (the stock Or would call it once per part).
            if isinstance(query, (PlainText, Or)):
                return WeightedBM25() * boost if boost != 1.0 else WeightedBM25()
            return super().build_tsrank(vector, query, config=config, boost=boost)

        def get_search_vectors(self):
            # One weighted bm25() covers title and body; no extra per-entry title norm.
            title_vector, _title_norm = self.get_index_vectors()[0]
            return [(title_vector, 1.0)]

        def search(self, config, start, stop, score_field=None):
            from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
            from modelsearch.backends.database.sqlite.sqlite import SQLiteFTSIndexEntry
            from modelsearch.query import MatchAll, Not
            from modelsearch.utils import get_descendants_content_types_pks

            query = normalize(self.query)
            if not self.order_by_relevance or isinstance(query, (MatchAll, Not)):
                return super().search(config, start, stop, score_field=score_field)
            match = MatchExpression(self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(query, config=config))
            hits = list(
                SQLiteFTSIndexEntry.objects.filter(match)
                .filter(index_entry__content_type__in=get_descendants_content_types_pks(self.queryset.model))
                .annotate(score=self._build_rank_expression(self.get_search_vectors(), config))
                .order_by("score")
                .values_list("index_entry__object_id", "score")
            )
            pk_field = self.queryset.model._meta.pk
            exact = self._exact_name_hits()
            if exact:  # exact titles and synonyms first (bm25 scores are negative: lower is better)
                hits.sort(key=lambda hit: (hit[0] not in exact, hit[1]))
            ranked = [(pk_field.to_python(object_id), score) for object_id, score in hits]
            allowed = set(self.queryset.filter(pk__in=[pk for pk, _score in ranked]).values_list("pk", flat=True))
            window = [(pk, score) for pk, score in ranked if pk in allowed][start:stop]
            pks = [pk for pk, _score in window]
            results = self.queryset.filter(pk__in=pks).annotate(
                _rank=Case(*[When(pk=pk, then=Value(position)) for position, pk in enumerate(pks)],
                           default=Value(len(pks)), output_field=IntegerField())
            ).order_by("_rank")
            if score_field:
                results = results.annotate(**{score_field: Case(
                    *[When(pk=pk, then=Value(score)) for pk, score in window], default=Value(0.0),
                    output_field=FloatField())})
            return results

        def _exact_name_hits(self) -> set[str]:
            """Object ids whose title or synonym is the query: one more MATCH on its rare key tokens.

            bm25 alone can let a title that merely contains the query's word (破伤风 for 伤风)
            outrank the synonym that is the query; the key match settles it.
            """
            from modelsearch.backends.database.sqlite.query import MatchExpression
            from modelsearch.backends.database.sqlite.sqlite import SQLiteFTSIndexEntry
            from modelsearch.utils import get_descendants_content_types_pks

            keys = [part for part in getattr(self.query, "subqueries", ()) if isinstance(part, NameKey)]
            if not keys:
                return set()
            match = MatchExpression(["body"], self.build_search_query(keys[0] if len(keys) == 1 else Or(keys)))
            return set(SQLiteFTSIndexEntry.objects.filter(match).filter(
                index_entry__content_type__in=get_descendants_content_types_pks(self.queryset.model)
            ).values_list("index_entry__object_id", flat=True))

    return RankedOnceCompiler


def SearchBackend(params):  # noqa: N802 - Wagtail looks up this name
    backend_class = type(database_backend_for_vendor(params))
    _index_chinese_words(backend_class)
    attributes = {}
    if backend_class.__name__ == "SQLiteSearchBackend":
        attributes["query_compiler_class"] = _ranked_once(backend_class.query_compiler_class)
    chinese_aware = type(f"Chinese{backend_class.__name__}", (ChineseQueryMixin, backend_class), attributes)
    return chinese_aware(params)
