"""Elasticsearch 8 for production search, with analyzers that understand Chinese.

Elasticsearch's standard analyzer indexes Chinese one character at a time,
so '血压' would match any text holding 血 and 压 anywhere. The index's default
analyzer here emits CJK bigrams (and unigrams for one-character words) next to
normal English token filters; queries are segmented with jieba first, as on
the database backend. No plugin (IK, smartcn) is needed on the cluster.
"""

import copy

from modelsearch.backends.elasticsearch8 import Elasticsearch8SearchBackend
from modelsearch.utils import deep_update

from .database import ChineseQueryMixin

CJK_ANALYSIS = {
    "settings": {
        "analysis": {
            "filter": {
                "kepu_cjk_bigram": {"type": "cjk_bigram", "output_unigrams": True},
                "kepu_english_stemmer": {"type": "stemmer", "language": "light_english"},
            },
            "analyzer": {
                "default": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["cjk_width", "lowercase", "kepu_cjk_bigram", "asciifolding", "kepu_english_stemmer"],
                },
                "default_search": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["cjk_width", "lowercase", "kepu_cjk_bigram", "asciifolding", "kepu_english_stemmer"],
                },
            },
        }
    }
}


class ChineseElasticsearchBackend(ChineseQueryMixin, Elasticsearch8SearchBackend):
    def __init__(self, params):
        super().__init__(params)
        self.settings = deep_update(copy.deepcopy(self.settings), CJK_ANALYSIS)


SearchBackend = ChineseElasticsearchBackend
