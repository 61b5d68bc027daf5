"""Rewrite written medical text into what a narrator should say.

Engines read "140/90 mmHg", "3–5 次/日" or "50%" badly or not at all, so
units, symbols, ranges, dates and abbreviations become words here, once, for
every engine. The rules are ordered: compound patterns (dates, blood pressure,
per-day doses, percent ranges) are rewritten before the generic range, unit
and number rules would tear them apart.

Chinese numbers are spelled out as Chinese numerals because espeak-ng's
Mandarin number reader is wrong for inner zeros and for 万 (see
:mod:`media_pipeline.speech.chinese_numbers`). English keeps digits: both
engines read English numbers correctly.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

from media_pipeline.speech.chinese_numbers import digits_to_chinese, number_to_chinese
from media_pipeline.speech.glossary import Glossary
from media_pipeline.speech.languages import SpeechLanguage, speech_language

__all__ = ["to_spoken_text", "split_sentences"]

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_RANGE_SEP = r"\s*(?:-|–|—|~|～|至|到)\s*"
_FULLWIDTH = str.maketrans("０１２３４５６７８９％．", "0123456789%.")

Rule = tuple[re.Pattern[str], "str | Callable[[re.Match[str]], str]"]


def _is_one(number: str) -> bool:
    return number.replace(",", "") in {"1", "1.0"}


# --------------------------------------------------------------------------- dates


def _valid_date(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")


def _zh_iso_date(match: re.Match[str]) -> str:
    year, month, day = match.groups()
    if not _valid_date(year, month, day):
        return match.group(0)
    return f"{year}年{int(month)}月{int(day)}日"


def _en_iso_date(match: re.Match[str]) -> str:
    year, month, day = match.groups()
    if not _valid_date(year, month, day):
        return match.group(0)
    return f"{calendar.month_name[int(month)]} {int(day)}, {year}"


# --------------------------------------------------------------------------- Chinese

_ZH_PER = {
    "日": "日",
    "天": "天",
    "d": "日",
    "周": "周",
    "星期": "周",
    "月": "月",
    "年": "年",
    "小时": "小时",
    "h": "小时",
    "次": "次",
    "分": "分钟",
    "分钟": "分钟",
    "min": "分钟",
}
_ZH_PER_ALT = "|".join(sorted(map(re.escape, _ZH_PER), key=len, reverse=True))
# "3–5 次/日" -> "每日3到5次": quantity (number, optional range, short unit) before "/per".
_ZH_RATE = re.compile(
    rf"(?P<qty>{_NUM}(?:{_RANGE_SEP}{_NUM})?\s*[^\s\d/，。；、,;:：()（）]{{0,4}}?)"
    rf"\s*/\s*(?P<per>{_ZH_PER_ALT})(?![A-Za-z])"
)

# Unambiguous units are rewritten anywhere; one-letter ones only after a number.
_ZH_UNITS_ANYWHERE = {
    "mmHg": "毫米汞柱",
    "mmol/L": "毫摩尔每升",
    "μmol/L": "微摩尔每升",
    "µmol/L": "微摩尔每升",
    "mg/dL": "毫克每分升",
    "mg/dl": "毫克每分升",
    "mg/kg": "毫克每千克",
    "kg/m²": "千克每平方米",
    "kg/m2": "千克每平方米",
    "bpm": "次每分钟",
    "kcal": "千卡",
    "IU": "国际单位",
    "℃": "摄氏度",
    "°C": "摄氏度",
}
_ZH_UNITS_AFTER_NUMBER = {
    "μg": "微克",
    "µg": "微克",
    "mcg": "微克",
    "mg": "毫克",
    "kg": "千克",
    "g": "克",
    "ml": "毫升",
    "mL": "毫升",
    "L": "升",
    "cm": "厘米",
    "mm": "毫米",
    "km": "公里",
    "m": "米",
    "h": "小时",
    "min": "分钟",
    "U": "单位",
    "° C": "摄氏度",
}
_ZH_SYMBOLS = {
    "≥": "大于等于",
    "≤": "小于等于",
    ">": "大于",
    "<": "小于",
    "±": "正负",
    "×": "乘以",
    "~": "约",
    "～": "约",
    "&": "和",
    "+": "加",
    "=": "等于",
    "/": "或",
}
_ZH_MEASURE_WORDS = "个|次|片|粒|种|位|名|杯|袋|支|颗|小时|周|天|年|岁|餐|顿|步|层|项|条|点"


def _unit_pattern(units: dict[str, str], *, after_number: bool) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    prefix = r"(?<=\d)\s*" if after_number else r"(?<![A-Za-z])\s*"
    return re.compile(rf"{prefix}(?:{alternatives})(?![A-Za-z])")


_ZH_UNITS_ANYWHERE_RE = _unit_pattern(_ZH_UNITS_ANYWHERE, after_number=False)
_ZH_UNITS_AFTER_NUMBER_RE = _unit_pattern(_ZH_UNITS_AFTER_NUMBER, after_number=True)


def _zh_rate(match: re.Match[str]) -> str:
    return f"每{_ZH_PER[match.group('per')]}{match.group('qty').strip()}"


def _zh_unit(table: dict[str, str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return table[match.group(0).strip()]

    return replace


def _zh_number(match: re.Match[str]) -> str:
    return number_to_chinese(match.group(0))


_ZH_RULES: list[Rule] = [
    (_ISO_DATE, _zh_iso_date),
    # Years are read digit by digit: 二〇二六年.
    (re.compile(r"(?<![\d.])(\d{4})(?=\s*年(?!龄|纪|级))"), lambda m: digits_to_chinese(m.group(1))),
    # Phone numbers after a calling verb, digit by digit with 幺: 拨打120 -> 拨打幺二零.
    (
        re.compile(r"(拨打|致电|电话|热线|呼叫)(\s*[:：]?\s*)(\d[\d-]{2,})"),
        lambda m: m.group(1) + m.group(2) + digits_to_chinese(m.group(3).replace("-", ""), yao_for_one=True),
    ),
    # Blood pressure: 140/90 mmHg -> 高压140，低压90毫米汞柱.
    (re.compile(rf"({_NUM})\s*/\s*({_NUM})\s*mmHg"), r"高压\1，低压\2毫米汞柱"),
    (_ZH_RATE, _zh_rate),
    # "每次2片/次" became "每次每次2片": say the rate once.
    (re.compile(r"(每(?:日|天|周|月|年|小时|次|分钟))[，,\s]*\1"), r"\1"),
    # Percent ranges and percents: 30%–50% / 30–50% -> 百分之30到百分之50.
    (re.compile(rf"({_NUM})\s*%?{_RANGE_SEP}({_NUM})\s*%"), r"百分之\1到百分之\2"),
    (re.compile(rf"({_NUM})\s*%"), r"百分之\1"),
    (re.compile(rf"(?<![\d.])({_NUM}){_RANGE_SEP}({_NUM})(?![\d.])"), r"\1到\2"),
    (_ZH_UNITS_ANYWHERE_RE, _zh_unit(_ZH_UNITS_ANYWHERE)),
    (_ZH_UNITS_AFTER_NUMBER_RE, _zh_unit(_ZH_UNITS_AFTER_NUMBER)),
    # Simple fractions: 1/3 -> 三分之一 (numerator and denominator converted below).
    (re.compile(r"(?<![\d.])(\d{1,3})\s*/\s*(\d{1,3})(?![\d.])"), lambda m: f"{m.group(2)}分之{m.group(1)}"),
    # "2" before a measure word is 两: 每日2次 -> 每日两次.
    (re.compile(rf"(?<![\d.])2(?=\s*(?:{_ZH_MEASURE_WORDS}))"), "两"),
    (re.compile(r"(?<![\d.])[-−]?" + _NUM), _zh_number),
    (
        re.compile("|".join(re.escape(s) for s in sorted(_ZH_SYMBOLS, key=len, reverse=True))),
        lambda m: _ZH_SYMBOLS[m.group(0)],
    ),
    # Unknown capitalised acronyms are spelled letter by letter.
    (re.compile(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])"), lambda m: " ".join(m.group(0))),
]

# --------------------------------------------------------------------------- English

_EN_UNITS = {  # abbreviation -> (singular, plural)
    "mmHg": ("millimetre of mercury", "millimetres of mercury"),
    "mmol/L": ("millimole per litre", "millimoles per litre"),
    "μmol/L": ("micromole per litre", "micromoles per litre"),
    "µmol/L": ("micromole per litre", "micromoles per litre"),
    "mg/dL": ("milligram per decilitre", "milligrams per decilitre"),
    "mg/dl": ("milligram per decilitre", "milligrams per decilitre"),
    "mg/kg": ("milligram per kilogram", "milligrams per kilogram"),
    "kg/m²": ("kilogram per square metre", "kilograms per square metre"),
    "kg/m2": ("kilogram per square metre", "kilograms per square metre"),
    "bpm": ("beat per minute", "beats per minute"),
    "kcal": ("kilocalorie", "kilocalories"),
    "IU": ("international unit", "international units"),
    "μg": ("microgram", "micrograms"),
    "µg": ("microgram", "micrograms"),
    "mcg": ("microgram", "micrograms"),
    "mg": ("milligram", "milligrams"),
    "kg": ("kilogram", "kilograms"),
    "g": ("gram", "grams"),
    "ml": ("millilitre", "millilitres"),
    "mL": ("millilitre", "millilitres"),
    "L": ("litre", "litres"),
    "cm": ("centimetre", "centimetres"),
    "mm": ("millimetre", "millimetres"),
    "km": ("kilometre", "kilometres"),
    "h": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "min": ("minute", "minutes"),
    "℃": ("degree Celsius", "degrees Celsius"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "° C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
}
_EN_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_EN_UNITS, key=len, reverse=True))
_EN_PER = {
    "day": "a day",
    "d": "a day",
    "week": "a week",
    "wk": "a week",
    "month": "a month",
    "year": "a year",
    "hour": "an hour",
    "h": "an hour",
    "hr": "an hour",
    "min": "a minute",
    "minute": "a minute",
    "dose": "a dose",
}
_EN_PER_ALT = "|".join(re.escape(p) for p in sorted(_EN_PER, key=len, reverse=True))
_EN_SYMBOLS = {
    "≥": "at least",
    "≤": "at most",
    ">": "more than",
    "<": "less than",
    "±": "plus or minus",
    "×": "times",
    "~": "about",
    "&": "and",
    "=": "equals",
}


def _en_unit(match: re.Match[str]) -> str:
    number, unit = match.group(1), match.group(2)
    singular, plural = _EN_UNITS[unit]
    return f"{number} {singular if _is_one(number) else plural}"


def _en_percent(match: re.Match[str]) -> str:
    return f"{match.group(1)} percent"


_EN_RULES: list[Rule] = [
    (_ISO_DATE, _en_iso_date),
    (re.compile(rf"({_NUM})\s*/\s*({_NUM})\s*mmHg"), r"\1 over \2 millimetres of mercury"),
    (re.compile(rf"({_NUM})\s*%?{_RANGE_SEP}({_NUM})\s*%"), r"\1 to \2 percent"),
    (re.compile(rf"({_NUM})\s*%"), _en_percent),
    (re.compile(rf"(?<![\d.])({_NUM})\s*(?:-|–|—|~|～)\s*({_NUM})(?![\d.])"), r"\1 to \2"),
    (re.compile(rf"({_NUM})\s*({_EN_UNIT_ALT})(?![A-Za-z])"), _en_unit),
    # Per-rates after the unit rule: "3 to 5 times/day" -> "3 to 5 times a day".
    (re.compile(rf"\s*/\s*({_EN_PER_ALT})\b"), lambda m: " " + _EN_PER[m.group(1)]),
    (
        re.compile("|".join(re.escape(s) for s in sorted(_EN_SYMBOLS, key=len, reverse=True))),
        lambda m: f" {_EN_SYMBOLS[m.group(0)]} ",
    ),
]


_RULES: dict[SpeechLanguage, list[Rule]] = {"zh": _ZH_RULES, "en": _EN_RULES}


def to_spoken_text(text: str, language: str, glossary: Glossary | None = None) -> str:
    """Return ``text`` as it should be spoken in ``language`` ("zh-hans"/"zh" or "en").

    Raises :class:`~media_pipeline.speech.languages.UnsupportedLanguageError`
    for any other language.
    """
    lang = speech_language(language)
    spoken = text.translate(_FULLWIDTH)
    if glossary is not None:
        spoken = glossary.expand(spoken, lang)
    for pattern, replacement in _RULES[lang]:
        spoken = pattern.sub(replacement, spoken)
    spoken = re.sub(r"[ \t]{2,}", " ", spoken)
    spoken = re.sub(r" +([,.;:!?，。；：！？、])", r"\1", spoken)
    if lang == "zh":  # spaces between Chinese characters are only layout
        spoken = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])", "", spoken)
    return spoken.strip()


# --------------------------------------------------------------------------- sentences

_ZH_SENTENCE_END = re.compile(r"(?<=[。！？!?…])(?![。！？!?…”’」』）)])|(?<=[。！？!?][”’」』）)])|\n+")
_EN_ABBREVIATIONS = ("e.g.", "i.e.", "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "vs.", "approx.", "No.", "St.", "Fig.")
_EN_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])|\n+")


def split_sentences(text: str, language: str) -> list[str]:
    """Split display text into sentences on 。！？ (Chinese) or .!? (English).

    Sentence-final punctuation stays with its sentence; English abbreviations
    such as "e.g." and decimal points do not end a sentence.
    """
    lang = speech_language(language)
    text = text.strip()
    if not text:
        return []
    if lang == "zh":
        pieces = _ZH_SENTENCE_END.split(text)
    else:
        pieces = []
        start = 0
        for match in _EN_SENTENCE_END.finditer(text):
            candidate = text[start : match.start()].rstrip()
            if candidate.endswith(_EN_ABBREVIATIONS) and not match.group(0).startswith("\n"):
                continue
            pieces.append(text[start : match.end()])
            start = match.end()
        pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece and piece.strip()]
