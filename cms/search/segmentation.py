"""Chinese word segmentation for search.

Full-text engines split text on spaces and punctuation, which leaves a Chinese
sentence as one giant token: '血压' would never find '高血压'. We cut Chinese
runs into words with jieba before indexing (search mode: every dictionary word
inside a longer word as well, so '高血压' also yields '血压') and cut queries
in precise mode, so every query word is one the index holds.

jieba's own dictionary does not know many names patients type (老慢支, 腰突, 糖尿病足);
the studio's medical lexicon is loaded as a user dictionary, tuned so each of its
names stays one word, at index and at query time alike.
"""

from __future__ import annotations

import logging
import re
import threading

import jieba

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\w\u3400-\u9fff\uf900-\ufaff]+", re.UNICODE)
_lock = threading.Lock()
_ready = False


def _tokenizer() -> jieba.Tokenizer:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _load_user_dictionary(jieba.dt)
                _ready = True
    return jieba.dt


def _load_user_dictionary(tokenizer: jieba.Tokenizer) -> None:
    from .lexicon import words

    for word in words():
        tokenizer.add_word(word, freq=tokenizer.FREQ.get(word) or 1)
        tokenizer.suggest_freq(word, tune=True)


def contains_chinese(text: str) -> bool:
    return bool(_HAN.search(text or ""))


def _words(text: str, *, for_search: bool) -> list[str]:
    tokenizer = _tokenizer()
    words: list[str] = []
    for run in _TOKEN.findall(text or ""):
        if not _HAN.search(run):
            words.append(run)
            continue
        pieces = tokenizer.cut_for_search(run) if for_search else tokenizer.cut(run)
        words.extend(piece for piece in pieces if _TOKEN.fullmatch(piece))
    return words


def segment_for_index(text: str) -> str:
    """Space-separated words for the index: Chinese cut in search mode, other text kept."""
    if not contains_chinese(text):
        return ""
    # Only the Chinese runs add anything: the original text is indexed separately.
    return " ".join(word for word in _words(text, for_search=True) if _HAN.search(word))


def segment_query(query: str) -> str:
    """A query as plain words: Chinese runs cut into words, punctuation and quotes dropped.

    Dropping punctuation also keeps full-text query syntax (quotes, brackets,
    asterisks) typed by a patient from reaching the database as an error.
    """
    return " ".join(_words(query, for_search=False))
