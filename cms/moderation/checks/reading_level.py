"""Check: is the article easy enough for the patients it is written for?

Chinese: average sentence length in characters and the share of characters
outside the ~3,500 common ones (see :mod:`common_hanzi`), the two things that
make Chinese health text hard for readers with basic schooling.
English: Flesch-Kincaid grade level with a syllable-counting heuristic (no
dictionary; usually exact or within one syllable per word).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from cms.core.documents import ArticleDocument

from .check_interface import finding_for_block
from .common_hanzi import common_hanzi
from .config import CheckConfig
from .document_text import split_sentences, text_segments
from .findings import Finding

_READ_ROLES = frozenset({"body", "question"})  # what patients read as running text
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CONTENT_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_SYLLABIC_ES = re.compile(r"(?:[sxz]|ch|sh|[cg])es$")
_SYLLABIC_ED = re.compile(r"[td]ed$")
_SYLLABLE_EXCEPTIONS = {
    "people": 2, "every": 3, "area": 3, "idea": 3, "being": 2, "doing": 2, "going": 2, "science": 2, "quiet": 2,
    "diabetes": 4, "diet": 2, "create": 2, "creating": 3, "pancreas": 3, "video": 3, "radio": 3, "doctor": 2,
    "business": 2, "different": 3, "evening": 2, "several": 3, "naive": 2, "poem": 2,
}  # fmt: skip
_SUFFIX_STRIPPED_EXCEPTIONS = {"s": 0, "es": 0, "ed": 0, "ly": 1}


def count_syllables(word: str) -> int:
    """Syllables in an English word by vowel groups with the usual silent-e/-es/-ed corrections."""
    word = word.lower().strip("'’")
    if "-" in word:
        return sum(count_syllables(part) for part in word.split("-") if part)
    word = re.sub(r"[^a-z]", "", word)
    if not word:
        return 0
    if word in _SYLLABLE_EXCEPTIONS:
        return _SYLLABLE_EXCEPTIONS[word]
    for suffix, extra in _SUFFIX_STRIPPED_EXCEPTIONS.items():
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and stem in _SYLLABLE_EXCEPTIONS:
            return _SYLLABLE_EXCEPTIONS[stem] + extra
    if len(word) <= 3:
        return 1
    body = word[1:] if word.startswith("y") else word  # initial y is a consonant
    count = len(re.findall(r"[aeiouy]+", body))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) or (word.endswith("le") and word[-3] in "aeiouy"):
        count -= 1  # silent final e ("take"), but "table", "agree"
    elif word.endswith("es") and not _SYLLABIC_ES.search(word):
        count -= 1  # "takes", but "boxes", "pages"
    elif word.endswith("ed") and not _SYLLABIC_ED.search(word):
        count -= 1  # "walked", but "needed", "wanted"
    count += len(
        re.findall(r"(?<![ct])ia|(?<![st])io(?!us)|[^aeiou]eo|ua|uo", body)
    )  # vowel pairs read as two syllables
    return max(1, count)


@dataclass(frozen=True)
class ChineseReadingLevel:
    sentences: int
    content_characters: int
    han_characters: int
    uncommon_characters: int
    average_sentence_chars: float
    uncommon_char_share: float
    uncommon_examples: tuple[str, ...]  # the most frequent uncommon characters, for the author


@dataclass(frozen=True)
class EnglishReadingLevel:
    sentences: int
    words: int
    syllables: int
    flesch_kincaid_grade: float


def readable_text(document: ArticleDocument) -> list[str]:
    return [segment.text for segment in text_segments(document) if segment.role in _READ_ROLES]


def measure_chinese(texts: list[str]) -> ChineseReadingLevel:
    common = common_hanzi()
    sentences = content = 0
    han: Counter[str] = Counter()
    for text in texts:
        for sentence in split_sentences(text):
            characters = _CONTENT_CHAR.findall(sentence.text)
            if characters:
                sentences += 1
                content += len(characters)
                han.update(_HAN.findall(sentence.text))
    han_total = sum(han.values())
    uncommon = Counter({character: number for character, number in han.items() if character not in common})
    uncommon_total = sum(uncommon.values())
    return ChineseReadingLevel(
        sentences=sentences,
        content_characters=content,
        han_characters=han_total,
        uncommon_characters=uncommon_total,
        average_sentence_chars=round(content / sentences, 2) if sentences else 0.0,
        uncommon_char_share=round(uncommon_total / han_total, 4) if han_total else 0.0,
        uncommon_examples=tuple(character for character, _ in uncommon.most_common(10)),
    )


def measure_english(texts: list[str]) -> EnglishReadingLevel:
    sentences = words = syllables = 0
    for text in texts:
        for sentence in split_sentences(text):
            sentence_words = _WORD.findall(sentence.text)
            if sentence_words:
                sentences += 1
                words += len(sentence_words)
                syllables += sum(count_syllables(word) for word in sentence_words)
    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59 if words else 0.0
    return EnglishReadingLevel(
        sentences=sentences, words=words, syllables=syllables, flesch_kincaid_grade=round(grade, 2)
    )


class ReadingLevelCheck:
    name = "reading_level"

    def measure(self, document: ArticleDocument, config: CheckConfig) -> dict[str, Any]:
        texts = readable_text(document)
        if document.is_chinese:
            chinese = measure_chinese(texts)
            result: dict[str, Any] = {"language": "zh", **asdict(chinese)}
            result["uncommon_examples"] = list(chinese.uncommon_examples)
            result["assessed"] = chinese.content_characters >= config.min_chars_for_reading_level_zh
            result["targets"] = {
                "average_sentence_chars": config.max_sentence_chars_zh,
                "uncommon_char_share": config.max_uncommon_char_share_zh,
            }
        else:
            english = measure_english(texts)
            result = {"language": "en", **asdict(english)}
            result["assessed"] = english.words >= config.min_words_for_reading_level_en
            result["targets"] = {"flesch_kincaid_grade": config.max_grade_en}
        return result

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        metrics = self.measure(document, config)
        if not metrics["assessed"]:
            return []
        severity = config.severity_for(config.reading_level_severity, self.name)
        findings: list[Finding] = []

        def add(rule_id: str, zh: str, en: str) -> None:
            findings.append(
                finding_for_block(
                    check=self.name,
                    severity=severity,
                    document=document,
                    block_index=None,
                    field="article",
                    rule_id=rule_id,
                    message_zh=zh,
                    message_en=en,
                    data=metrics,
                )
            )

        if metrics["language"] == "zh":
            average, target = metrics["average_sentence_chars"], config.max_sentence_chars_zh
            if average > target:
                add(
                    "reading_level.zh.sentence_length",
                    f"句子平均长度为{average:.1f}个字，超过目标{target:g}个字。请把长句拆短，一句话只讲一件事。",
                    f"Sentences average {average:.1f} characters, above the target of {target:g}. "
                    "Split long sentences.",
                )
            share, limit = metrics["uncommon_char_share"], config.max_uncommon_char_share_zh
            if share > limit:
                examples = "、".join(metrics["uncommon_examples"][:5])
                add(
                    "reading_level.zh.uncommon_characters",
                    f"非常用字占{share:.1%}，超过目标{limit:.0%}（如：{examples}）。请尽量换用通俗说法，或为术语加注解。",
                    f"{share:.1%} of the characters are uncommon (target {limit:.0%}), e.g. {examples}. "
                    "Prefer everyday words or explain the terms.",
                )
        else:
            grade, target = metrics["flesch_kincaid_grade"], config.max_grade_en
            if grade > target:
                add(
                    "reading_level.en.grade",
                    f"英文可读性为美国{grade:.1f}年级水平（Flesch-Kincaid），超过目标{target:g}年级。请使用更短的句子和更简单的词。",
                    f"Flesch-Kincaid grade {grade:.1f} is above the target grade {target:g}. "
                    "Use shorter sentences and simpler words.",
                )
        return findings
