"""PostgreSQL: the ranked hits from one GIN-indexed, weighted tsvector per index row.

The stock compiler matches ``title || body`` — an expression no index covers — on the join of
pages and index rows, so every candidate page's vectors are read and combined row by row
(about 350 ms over the imported encyclopedia). Migration ``0001`` stores that concatenation
(the segmented text with its weights: names and keys A, titles B, the rest D) as a generated
column with a GIN index, so the match is an index lookup; hits are ranked by ``ts_rank_cd``
with the stock weights, exact titles and synonyms (their name key) first.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db.models import F
from django.db.models.expressions import RawSQL
from modelsearch.backends.database.postgres.postgres import (
    PostgresAutocompleteQueryCompiler,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
    PostgresSearchResults,
)
from modelsearch.conf import get_app_config
from modelsearch.query import Or
from modelsearch.utils import get_descendants_content_types_pks

from .ranking import HIT_LIMIT, RankedHitsCompiler, RankedHitsResults, exact_first, name_keys

IndexEntry = get_app_config().get_model("IndexEntry", require_ready=False)

VECTOR_COLUMN = "kepu_vector"
# ts_rank_cd normalization 1: divide by 1 + log(length), so a short entry naming the words beats
# a long one mentioning them in passing (the stock ranking's title_norm, for the whole row).
RANK_NORMALIZATION = 1


def stored_vector():
    return RawSQL(f'"{IndexEntry._meta.db_table}"."{VECTOR_COLUMN}"', [], output_field=SearchVectorField())  # noqa: S611 - names from the model and a constant


class RankedPostgresCompiler(RankedHitsCompiler, PostgresSearchQueryCompiler):
    def stored_vector(self):
        return stored_vector()

    def ranks_itself(self):
        # .search(fields=[...]) matches vectors of those model fields, not the stored one.
        return self.fields is None and super().ranks_itself()

    def ranked_hits(self, config):
        entries = IndexEntry.objects.filter(
            content_type_id__in=get_descendants_content_types_pks(self.queryset.model)
        ).alias(vector=self.stored_vector())
        tsquery = self.build_tsquery(self.query, config=config)
        hits = entries.filter(vector=tsquery).annotate(
            score=SearchRank(
                self.stored_vector(),
                tsquery,
                weights=self.sql_weights,
                cover_density=True,
                normalization=RANK_NORMALIZATION,
            )
        )
        order = ["-score", "object_id"]
        # Entries whose title or synonym is the query (their name key) first: a separate lookup in the
        # GIN index, cheaper than matching every hit's vector a second time in the ORDER BY.
        keys = name_keys(self.query)
        if keys:
            key_query = self.build_tsquery(keys[0] if len(keys) == 1 else Or(keys), config=config)
            exact = list(entries.filter(vector=key_query).values_list("pk", flat=True)[:HIT_LIMIT])
            if exact:
                order.insert(0, exact_first("pk", exact))
        return list(hits.order_by(*order).values_list("object_id", "score")[:HIT_LIMIT])


class RankedPostgresAutocompleteCompiler(RankedPostgresCompiler, PostgresAutocompleteQueryCompiler):
    def stored_vector(self):
        return F("autocomplete")  # GIN-indexed by modelsearch's own migration


class RankedPostgresResults(RankedHitsResults, PostgresSearchResults):
    pass


class RankedPostgresBackend(PostgresSearchBackend):
    query_compiler_class = RankedPostgresCompiler
    autocomplete_query_compiler_class = RankedPostgresAutocompleteCompiler
    results_class = RankedPostgresResults
