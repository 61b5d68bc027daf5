"""Elasticsearch 8 for production search, with analyzers that understand Chinese.

Elasticsearch's standard analyzer indexes Chinese one character at a time,
so '血压' would match any text holding 血 and 压 anywhere. Here the index's
default analyzer emits CJK bigrams *and* unigrams (a one-character query such
as 痛 still finds 痛风), while queries are analysed into bigrams only and every
bigram of a Chinese word is required: 血压 asks for the bigram 血压 and no
longer matches a text that has only 血; 高血压 needs both 高血 and 血压, so 高血糖
does not match either. Words keep the query's operator between them, and
English words are left to Wagtail's query. Queries are segmented with jieba
first, as on the database backend. No plugin (IK, smartcn) is needed on the
cluster.

Connection options come from ``kepu.settings`` (``ELASTICSEARCH_*``: index
prefix, CA file, certificate checks, API key or user and password), since an
Elasticsearch 8 cluster answers only TLS with its own CA by default.
"""

import copy
import re

from modelsearch.backends.elasticsearch8 import (
    Elasticsearch8AutocompleteQueryCompiler,
    Elasticsearch8SearchBackend,
    Elasticsearch8SearchQueryCompiler,
)
from modelsearch.query import PlainText
from modelsearch.utils import deep_update

from .database import ChineseQueryMixin

_FILTERS = ["cjk_width", "lowercase", "kepu_cjk_bigram", "asciifolding", "kepu_english_stemmer"]
CJK_ANALYSIS = {
    "settings": {
        "analysis": {
            "filter": {
                # Index: bigrams and unigrams. Query: bigrams only (a lone character is still its unigram).
                "kepu_cjk_bigram": {"type": "cjk_bigram", "output_unigrams": True},
                "kepu_cjk_bigram_query": {"type": "cjk_bigram", "output_unigrams": False},
                "kepu_english_stemmer": {"type": "stemmer", "language": "light_english"},
            },
            "analyzer": {
                "default": {"type": "custom", "tokenizer": "standard", "filter": _FILTERS},
                "default_search": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": [name if name != "kepu_cjk_bigram" else "kepu_cjk_bigram_query" for name in _FILTERS],
                },
            },
        }
    }
}

# The scripts cjk_bigram pairs up: Han (with extension A and compatibility ideographs), kana, Hangul.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class CjkWordsQueryMixin:
    """Every bigram of each Chinese (CJK) word is required; words combine with the query's operator."""

    def _compile_plaintext_query(self, query, fields, boost=1.0):
        words = query.query_string.split()
        cjk_words = [word for word in words if _CJK.search(word)]
        if not cjk_words:
            return super()._compile_plaintext_query(query, fields, boost)
        compile_plaintext = super()._compile_plaintext_query
        clauses = [compile_plaintext(PlainText(word, operator="and"), fields, boost) for word in cjk_words]
        others = " ".join(word for word in words if not _CJK.search(word))
        if others:
            clauses.append(compile_plaintext(PlainText(others, operator=query.operator), fields, boost))
        if len(clauses) == 1:
            return clauses[0]
        return {"bool": {"must" if query.operator == "and" else "should": clauses}}


class ChineseSearchQueryCompiler(CjkWordsQueryMixin, Elasticsearch8SearchQueryCompiler):
    pass


class ChineseAutocompleteQueryCompiler(CjkWordsQueryMixin, Elasticsearch8AutocompleteQueryCompiler):
    pass


class ChineseElasticsearchBackend(ChineseQueryMixin, Elasticsearch8SearchBackend):
    query_compiler_class = ChineseSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseAutocompleteQueryCompiler

    def __init__(self, params):
        super().__init__(params)
        self.settings = deep_update(copy.deepcopy(self.settings), CJK_ANALYSIS)


SearchBackend = ChineseElasticsearchBackend
