"""Wagtail's database search backend with Chinese queries cut into words.

Indexed text is segmented by the models (see ``segmented_text``); this backend
segments the query the same way, for whichever database engine is in use
(SQLite FTS5, PostgreSQL full text, or the fallback). On SQLite it also
weights title matches above body matches, which stock BM25 over the whole
row does not: a search for "heart attack" should put *Heart Attack* first.
"""

from django.db.models import FloatField, Func
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


def _title_weighted(compiler_class):
    class TitleWeightedCompiler(compiler_class):
        def build_tsrank(self, vector, query, config=None, boost=1.0):
            if isinstance(query, PlainText):
                return WeightedBM25() * boost if boost != 1.0 else WeightedBM25()
            return super().build_tsrank(vector, query, config=config, boost=boost)

        def get_search_vectors(self):
            # One weighted bm25() covers title and body; no extra per-entry title norm.
            title_vector, _title_norm = self.get_index_vectors()[0]
            return [(title_vector, 1.0)]

    return TitleWeightedCompiler


def SearchBackend(params):  # noqa: N802 - Wagtail looks up this name
    backend_class = type(database_backend_for_vendor(params))
    attributes = {}
    if backend_class.__name__ == "SQLiteSearchBackend":
        attributes["query_compiler_class"] = _title_weighted(backend_class.query_compiler_class)
    chinese_aware = type(f"Chinese{backend_class.__name__}", (ChineseQueryMixin, backend_class), attributes)
    return chinese_aware(params)
