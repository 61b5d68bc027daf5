"""Wagtail's database search backend with Chinese queries cut into words.

Indexed text is segmented by the models (see ``segmented_text``); this backend
segments the query the same way, for whichever database engine is in use
(SQLite FTS5, PostgreSQL full text, or the fallback).
"""

from modelsearch.backends.database import SearchBackend as database_backend_for_vendor

from cms.search.segmentation import segment_query


class ChineseQueryMixin:
    def search(self, query, model_or_queryset, *args, **kwargs):
        if isinstance(query, str):
            query = segment_query(query)
        return super().search(query, model_or_queryset, *args, **kwargs)

    def autocomplete(self, query, model_or_queryset, *args, **kwargs):
        if isinstance(query, str):
            query = segment_query(query)
        return super().autocomplete(query, model_or_queryset, *args, **kwargs)


def SearchBackend(params):  # noqa: N802 - Wagtail looks up this name
    backend = database_backend_for_vendor(params)
    chinese_aware = type(f"Chinese{type(backend).__name__}", (ChineseQueryMixin, type(backend)), {})
    return chinese_aware(params)
