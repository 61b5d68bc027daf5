"""Wagtail's database search backend with Chinese queries cut into words.

Indexed text is segmented by the models (see ``segmented_text``); this backend
segments the query the same way, for whichever database engine is in use
(SQLite FTS5, PostgreSQL full text, or the fallback). On SQLite it also
weights title matches above body matches, which stock BM25 over the whole
row does not: a search for "heart attack" should put *Heart Attack* first.
"""

from django.db.models import Case, FloatField, Func, IntegerField, Value, When
from modelsearch.backends.database import SearchBackend as database_backend_for_vendor
from modelsearch.query import PlainText

from cms.search.segmentation import segment_query

# Column weights for bm25() over the FTS5 table's columns (autocomplete, body, title).
SQLITE_COLUMN_WEIGHTS = (0.0, 1.0, 8.0)


class ChineseQueryMixin:
    def search(self, query, model_or_queryset, *args, **kwargs):
        if isinstance(query, str):
            query = segment_query(query)
        return super().search(query, model_or_queryset, *args, **kwargs)

    def autocomplete(self, query, model_or_queryset, *args, **kwargs):
        if isinstance(query, str):
            query = segment_query(query)
        return super().autocomplete(query, model_or_queryset, *args, **kwargs)


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
            if isinstance(query, PlainText):
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

    return RankedOnceCompiler


def SearchBackend(params):  # noqa: N802 - Wagtail looks up this name
    backend_class = type(database_backend_for_vendor(params))
    attributes = {}
    if backend_class.__name__ == "SQLiteSearchBackend":
        attributes["query_compiler_class"] = _ranked_once(backend_class.query_compiler_class)
    chinese_aware = type(f"Chinese{backend_class.__name__}", (ChineseQueryMixin, backend_class), attributes)
    return chinese_aware(params)
