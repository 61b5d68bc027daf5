"""Name keys and pinyin: what lets an exact name outrank a partial match, and `gaoxueya` find 高血压.

Full-text ranking only counts words: 高血压 is a word of 特发性(原发性)高血压 and of
妊娠[妊娠引起的]高血压 alike, and the longer pregnancy titles repeat it. So every title
and synonym of an entry is also indexed as one opaque *name key* (a short hash of the
whole name, punctuation and case ignored), and every query is sent with its own key next
to its words: an entry whose title or synonym *is* the query matches one term more, on
SQLite FTS5, PostgreSQL and Elasticsearch alike, without engine-specific ranking code.

Pinyin is indexed the same way: the pinyin of each whole name (``gaoxueya``), of each word in
it (``xueya``), and a key of the whole name's pinyin. A Latin-letter query is also tried with
its spaces, tone marks and tone digits removed (``gāo xuè yā``, ``gao1 xue4 ya1`` → ``gaoxueya``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pypinyin import Style, lazy_pinyin

from .segmentation import contains_chinese, segment_for_index

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_QUERY = re.compile(r"^[a-z0-9\s']+$")
# Toneless Hanyu Pinyin syllables (ü as u or v): what a joined pinyin query must split into.
_PINYIN = re.compile(
    r"^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|uai|ian|iao|uan|van|ai|ei|ao|ou|an|en|er|in|un|vn|ia|ie|iu|ua|uo|ui|ue|ve"
    r"|a|o|e|i|u|v))+$"
)


def normalize_name(text: str) -> str:
    """Full-width folded, lower case, letters and digits only: '特发性（原发性）高血压' → '特发性原发性高血压'."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def _key(prefix: str, text: str) -> str:
    # Letters and digits only, so every engine's tokenizer keeps the key as one token.
    return prefix + hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def name_key(text: str) -> str:
    name = normalize_name(text)
    return _key("kx", name) if name else ""


def pinyin_key(syllables: str) -> str:
    return _key("kp", syllables) if syllables else ""


def _pinyin(text: str) -> list[str]:
    """Toneless pinyin of the Chinese characters in text, ü written u: '绿色' → ['luse'].

    pypinyin reads words in context (出血 → chuxie, the spoken reading); people also type the
    characters' usual readings (chuxue), so when the two differ both are returned.
    """
    han = "".join(_HAN_RUN.findall(text))
    in_context = "".join(lazy_pinyin(han, style=Style.NORMAL, errors="ignore"))
    by_character = "".join(lazy_pinyin(character, style=Style.NORMAL)[0] for character in han)
    return [reading.replace("v", "u") for reading in dict.fromkeys([in_context, by_character]) if reading]


def index_keys(names: list[str]) -> str:
    """Space-separated keys and pinyin words of an entry's names (title and synonyms), for the index."""
    tokens: list[str] = []
    for name in names:
        if not normalize_name(name):
            continue
        tokens.append(name_key(name))
        if contains_chinese(name):
            for whole in _pinyin(name):
                tokens.extend([whole, pinyin_key(whole)])
            for word in segment_for_index(name).split():
                if len(word) > 1:
                    tokens.extend(_pinyin(word))
    return " ".join(dict.fromkeys(token for token in tokens if token))


def pinyin_query(query: str) -> str:
    """A Latin-letter query as joined toneless pinyin ('Gāo Xuè Yā' → 'gaoxueya'), or '' if it cannot be pinyin."""
    if contains_chinese(query):
        return ""
    folded = "".join(c for c in unicodedata.normalize("NFKD", query.casefold()) if not unicodedata.combining(c))
    if not _LATIN_QUERY.match(folded):
        return ""
    joined = re.sub(r"[\s'0-9]+", "", folded)
    # 'heart attack' and 'diabetes' are not pinyin: no pinyin alternatives for them.
    if len(joined) < 2 or not _PINYIN.match(joined):
        return ""
    return joined.replace("v", "u")
