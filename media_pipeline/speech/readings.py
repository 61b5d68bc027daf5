"""Chinese speech text -> tone-numbered pinyin, read the way a Mandarin speaker says it.

espeak-ng reads Chinese characters one by one from its own small dictionary
(测量 comes out as cè liàng, 一 keeps its first tone everywhere), but its
``cmn-latn-pinyin`` voice reads tone-numbered pinyin faithfully. So the
studio decides the reading itself and hands espeak pinyin:

1. the editors' :class:`PronunciationLexicon` fixes the words it lists
   (longest match first, so 流血 beats 血);
2. everything else is segmented into words by jieba and read by pypinyin,
   whose phrase dictionary knows most polyphones in context (测量 liáng,
   银行 háng);
3. tone sandhi is applied over whole clauses: third-tone pairs, 一 and 不.
   pypinyin's own ``tone_sandhi`` option works inside one pypinyin word only
   (一两次 is three words to it) and leaves 一 before a fourth tone in the
   first tone (``"yi1".replace("4", "2")``), so the rules are here.

Numbers and units are not handled here: the speech-text stage
(:func:`~media_pipeline.speech.spoken_text.to_spoken_text`) has already
written them as Chinese words.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pypinyin import Style, pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from media_pipeline.render.linebreaks import _words

__all__ = [
    "LexiconError",
    "PronunciationLexicon",
    "ReadingPiece",
    "known_syllables",
    "matching_syllables",
    "normalize_pinyin",
    "read_chinese",
    "to_tone_pinyin",
]

#: bump when the reading rules change, so cached clips read the old way are not reused
READER_VERSION = 1

_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SYLLABLE = re.compile(r"^([a-zü]+)([1-5])$")
# Characters that make a following or preceding 一 part of a number read digit by digit or as a numeral.
_NUMERALS = set("零〇一二三四五六七八九十百千万亿两点")
_PLAIN_DIGITS = set("零〇一二三四五六七八九")


class LexiconError(ValueError):
    """A pronunciation entry is malformed; ``code`` and ``params`` let the admin say so in the editor's language."""

    def __init__(self, message: str, code: str, **params: object):
        super().__init__(message)
        self.code = code
        self.params = params


@functools.lru_cache(maxsize=1)
def known_syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (about 410), to catch typing mistakes in the lexicon."""
    from pypinyin.style import convert

    syllables: set[str] = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            syllables.add(convert(reading, Style.NORMAL, strict=True).replace("v", "ü"))
    return frozenset(syllables)


def normalize_pinyin(term: str, reading: str) -> tuple[str, ...]:
    """Check ``reading`` ("chong2 fu4", "chóng fù" is not accepted) for ``term``; return its syllables.

    One syllable per character, each a known syllable with a tone number 1-5
    (5: neutral); "v" and "u:" are accepted for "ü".
    """
    if not term or not _HANZI.fullmatch(term):
        raise LexiconError(f"term {term!r} must be Chinese characters only", "not_chinese", term=term)
    syllables = tuple(
        s.lower().replace("u:", "ü").replace("v", "ü") for s in re.split(r"[\s,，、]+", reading.strip()) if s
    )
    if len(syllables) != len(term):
        raise LexiconError(
            f"{term!r} has {len(term)} characters but the reading {reading!r} has {len(syllables)} syllables",
            "count",
            term=term,
            characters=len(term),
            syllables=len(syllables),
        )
    for syllable in syllables:
        match = _SYLLABLE.match(syllable)
        if match is None:
            raise LexiconError(
                f"syllable {syllable!r} in {reading!r} needs a tone number 1-5, e.g. chong2", "tone", syllable=syllable
            )
        if match.group(1) not in known_syllables():
            raise LexiconError(
                f"{match.group(1)!r} in {reading!r} is not a Mandarin syllable", "unknown", syllable=syllable
            )
    return syllables


@dataclass(frozen=True)
class PronunciationLexicon:
    """Editor-maintained readings: term (a word, or a character in a context word) -> syllables."""

    entries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> PronunciationLexicon:
        return cls({term: normalize_pinyin(term, reading) for term, reading in pairs})

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        return re.compile("|".join(re.escape(t) for t in sorted(self.entries, key=len, reverse=True)))

    def find(self, text: str) -> list[re.Match[str]]:
        """Non-overlapping occurrences of listed terms, longest first at each position."""
        return list(self._pattern.finditer(text)) if self._pattern is not None else []

    def terms_in(self, text: str) -> dict[str, str]:
        """The entries that change how ``text`` is read (term -> reading)."""
        return {m.group(0): " ".join(self.entries[m.group(0)]) for m in self.find(text)}

    def fingerprint(self, text: str) -> str:
        """Changes exactly when an entry used by ``text`` changes: part of a cached clip's key."""
        used = {"reader": READER_VERSION, "terms": self.terms_in(text)}
        return hashlib.sha256(json.dumps(used, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass
class ReadingPiece:
    """A run of the text: Chinese (with one syllable per character) or anything else, kept as written."""

    text: str
    syllables: list[str] = field(default_factory=list)
    from_lexicon: bool = False

    @property
    def is_chinese(self) -> bool:
        return bool(self.syllables)


def _tone(syllable: str) -> int:
    """1-5, or 0 for a character pypinyin cannot read (it is passed on as written)."""
    return int(syllable[-1]) if syllable[-1:].isdigit() else 0


def _with_tone(syllable: str, tone: int) -> str:
    return f"{syllable[:-1]}{tone}" if _tone(syllable) else syllable


def _pypinyin_words(run: str) -> list[ReadingPiece]:
    """jieba's words, read by pypinyin over the whole run (its phrase matching knows 银行卡, 别着急)."""
    # A character pypinyin has no reading for stays as it is, for espeak to try (errors may return a list,
    # one reading per character, though pypinyin's stub says str).
    readings = pinyin(run, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: list(chars))  # type: ignore[arg-type,return-value]
    syllables = [reading[0].replace("v", "ü") for reading in readings]
    pieces: list[ReadingPiece] = []
    position = 0
    for word in _words(run):
        pieces.append(ReadingPiece(word, syllables[position : position + len(word)]))
        position += len(word)
    return pieces


# Words before 得 that make it the modal děi (你得, 还得) or the verb dé (会得病); otherwise, after a word,
# it is the complement marker de (长得快, 睡得太久).
_DEI_BEFORE = {"你", "我", "他", "她", "您", "咱", "我们", "你们", "他们", "咱们", "还", "就", "也", "都", "总", "又"}
_DE2_BEFORE = {"会", "要", "能", "容易", "可能", "不", "没", "易", "才", "怕", "难免"}
_NUMERAL_START = _NUMERALS | {"几", "每"}
_COMPLEMENTS = set("着起下完到见动开住清懂出上进过了来去")
_ADVERBS = {"还", "就", "也", "都", "又", "很", "太", "并", "再", "才", "从", "毫", "决", "绝", "更", "最"}


def _particle_readings(words: list[ReadingPiece]) -> None:
    """Readings a phrase dictionary cannot know, decided by the neighbouring words (not for lexicon words)."""
    for index, word in enumerate(words):
        if word.from_lexicon:
            continue
        before = words[index - 1].text if index else ""
        after = words[index + 1].text if index + 1 < len(words) else ""
        if word.text == "得" and before:
            if before in _DEI_BEFORE:
                word.syllables = ["dei3"]
            elif before in _DE2_BEFORE or after[:1] in ("病", "到"):
                word.syllables = ["de2"]
            else:
                word.syllables = ["de5"]
        elif word.text == "地" and len(before) >= 2 and after:  # 安静地坐: the adverbial marker
            word.syllables = ["de5"]
        elif word.text == "量" and after[:1] in _NUMERAL_START | {"血", "体", "身"}:  # 量两次, 量体温: measure
            word.syllables = ["liang2"]
        elif word.text == "不" and len(before) == 1 and before not in _ADVERBS and after[:1] in _COMPLEMENTS:
            word.syllables = ["bu5"]  # 抬不起来, 吃不下: the light bu of a potential complement
        elif (
            len(word.text) == 2
            and word.text[1] == "得"
            and word.text not in PHRASES_DICT
            and after
            and word.text[0] not in _DE2_BEFORE
        ):
            word.syllables[1] = "de5"  # jieba's 长得, 睡得 (长得快): the complement marker, not dé
        for i, char in enumerate(word.text):
            if char == "着" and i and word.text[i - 1] in "不得":  # 睡不着, 睡得着: zháo
                word.syllables[i] = "zhao2"


def _third_tone_sandhi(words: list[ReadingPiece]) -> None:
    """3-3 -> 2-3: inside each word first (展览馆 2-2-3), then across words from the right (我|很好 3-2-3)."""
    for word in words:
        written = list(word.syllables)
        for i in range(len(written) - 1):
            if _tone(written[i]) == 3 and _tone(written[i + 1]) == 3:
                word.syllables[i] = _with_tone(written[i], 2)
    for left, right in zip(reversed(words[:-1]), reversed(words[1:]), strict=False):
        if _tone(left.syllables[-1]) == 3 and _tone(right.syllables[0]) == 3:
            left.syllables[-1] = _with_tone(left.syllables[-1], 2)


def _yi_bu_sandhi(
    chars: str, syllables: list[str], citation: list[str], word_end: set[int], inner_positions: set[int]
) -> None:
    """一 and 不 by the tone of the next syllable (its citation tone), as the 现代汉语词典 describes.

    ``inner_positions``: characters inside (neither first nor last of) a word
    of three or more, where 不 is the light bu of a potential complement.
    """
    for i, char in enumerate(chars):
        if char not in "一不":
            continue
        before = chars[i - 1] if i else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        next_tone = _tone(citation[i + 1]) if after else 0
        if before and before == after and (i < 2 or chars[i - 2] != "一"):  # 看一看, 是不是; not 一口一口
            syllables[i] = _with_tone(syllables[i], 5)
            continue
        if char == "不" and (_tone(citation[i]) == 5 or i in inner_positions):  # 差不多, 睡不着, 抬不起来
            syllables[i] = _with_tone(syllables[i], 5)
            continue
        if char == "一":
            ordinal = before == "第" or before in _NUMERALS or after in _PLAIN_DIGITS or after == "十"
            if not after or ordinal or (i in word_end and before):  # 十一, 第一, 统一 (word-final)
                syllables[i] = _with_tone(syllables[i], 1)
                continue
        elif not after:
            syllables[i] = _with_tone(syllables[i], 4)
            continue
        if next_tone == 4 or (next_tone == 5 and citation[i + 1].startswith("ge")):  # 一个 yí ge
            syllables[i] = _with_tone(syllables[i], 2)
        else:
            syllables[i] = _with_tone(syllables[i], 4)


def _read_clause(clause: str, lexicon: PronunciationLexicon) -> list[ReadingPiece]:
    """One run of Chinese characters: lexicon words, the rest by pypinyin, then sandhi over the run.

    Editors write dictionary readings (调整 tiao2 zheng3); sandhi applies to
    their words as to any other.
    """
    words: list[ReadingPiece] = []
    position = 0
    for match in lexicon.find(clause):
        if match.start() > position:
            words.extend(_pypinyin_words(clause[position : match.start()]))
        words.append(ReadingPiece(match.group(0), list(lexicon.entries[match.group(0)]), from_lexicon=True))
        position = match.end()
    if position < len(clause):
        words.extend(_pypinyin_words(clause[position:]))
    _particle_readings(words)
    citation = [s for w in words for s in w.syllables]
    word_end: set[int] = set()
    inner_positions: set[int] = set()
    cursor = 0
    for word in words:
        if len(word.text) > 1:
            word_end.add(cursor + len(word.text) - 1)
        if len(word.text) > 2:
            inner_positions.update(range(cursor + 1, cursor + len(word.text) - 1))
        cursor += len(word.text)
    _third_tone_sandhi(words)
    syllables = [s for w in words for s in w.syllables]
    _yi_bu_sandhi(clause, syllables, citation, word_end, inner_positions)
    cursor = 0
    for word in words:
        word.syllables = syllables[cursor : cursor + len(word.text)]
        cursor += len(word.text)
    return words


def read_chinese(text: str, lexicon: PronunciationLexicon | None = None) -> list[ReadingPiece]:
    """``text`` as pieces: Chinese words with their spoken syllables, and everything else as written.

    Sandhi works within a run of Chinese characters, i.e. never across
    punctuation, where a speaker pauses anyway.
    """
    lexicon = lexicon or PronunciationLexicon()
    pieces: list[ReadingPiece] = []
    position = 0
    for match in _HANZI.finditer(text):
        if match.start() > position:
            pieces.append(ReadingPiece(text[position : match.start()]))
        pieces.extend(_read_clause(match.group(0), lexicon))
        position = match.end()
    if position < len(text):
        pieces.append(ReadingPiece(text[position:]))
    return pieces


def to_tone_pinyin(text: str, lexicon: PronunciationLexicon | None = None) -> str:
    """Speech text for espeak-ng's ``cmn-latn-pinyin`` voice: "测量血压。" -> "ce4 liang2 xue4 ya1。".

    Syllables are separated by spaces (espeak then keeps one syllable per
    character); punctuation and Latin text stay, so pauses stay too.
    """
    out: list[str] = []
    for piece in read_chinese(text, lexicon):
        if piece.is_chinese:
            out.append(" ".join(s.replace("ü", "v") for s in piece.syllables))
        else:
            out.append(piece.text)
    spoken = ""
    for part in out:
        if spoken and part and spoken[-1].isalnum() and part[0].isalnum():
            spoken += " "
        spoken += part
    return spoken


def matching_syllables(expected: list[str], heard: list[str]) -> int:
    """How many of ``expected`` were heard as expected, after aligning the two (a dropped syllable costs one)."""
    from difflib import SequenceMatcher

    return sum(block.size for block in SequenceMatcher(None, expected, heard, autojunk=False).get_matching_blocks())
