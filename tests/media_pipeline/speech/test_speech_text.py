"""Written medical text -> spoken text, for each language (table-driven)."""

import pytest

from media_pipeline.speech import (
    Glossary,
    GlossaryError,
    UnsupportedLanguageError,
    default_glossary,
    split_sentences,
    to_spoken_text,
)
from media_pipeline.speech.chinese_numbers import digits_to_chinese, integer_to_chinese, number_to_chinese

GLOSSARY = default_glossary()

ZH_CASES = [
    # units and doses
    ("每次0.5 mg", "每次零点五毫克"),
    ("每日饮水1500–2000 ml", "每日饮水一千五百到二千毫升"),
    ("体重5kg", "体重五千克"),
    ("空腹血糖3.9~6.1 mmol/L", "空腹血糖三点九到六点一毫摩尔每升"),
    # blood pressure
    ("血压应低于140/90 mmHg。", "血压应低于高压一百四十，低压九十毫米汞柱。"),
    # ranges and frequencies
    ("3–5 次/日", "每日三到五次"),
    ("每日2次", "每日两次"),
    ("每次2片/次", "每次两片"),
    ("心率60-100次/分", "心率每分钟六十到一百次"),
    ("5 mg/日", "每日五毫克"),
    # temperature and percent
    ("体温37.5℃", "体温三十七点五摄氏度"),
    ("体温38 °C以上", "体温三十八摄氏度以上"),
    ("约50%的患者", "约百分之五十的患者"),
    ("30%–50%的患者", "百分之三十到百分之五十的患者"),
    ("30-50%的患者", "百分之三十到百分之五十的患者"),
    # dates, years, phone numbers
    ("复诊日期：2026-11-26。", "复诊日期：二零二六年十一月二十六日。"),
    ("2026年复查", "二零二六年复查"),
    ("请拨打120急救电话", "请拨打幺二零急救电话"),
    # numbers espeak-ng reads wrongly as digits
    ("走10000步", "走一万步"),
    ("105人", "一百零五人"),
    ("第1步", "第一步"),
    ("1/3的患者", "三分之一的患者"),
    # symbols
    ("服药≥3个月", "服药大于等于三个月"),
    # glossary and unknown acronyms
    ("BMI超过28", "体重指数超过二十八"),
    ("HbA1c低于7%", "糖化血红蛋白低于百分之七"),
    ("做MRI检查", "做核磁共振检查"),
    ("查PSA", "查P S A"),
]

EN_CASES = [
    ("Take 0.5 mg, 3–5 times/day.", "Take 0.5 milligrams, 3 to 5 times a day."),
    ("Take 1 mg/kg daily.", "Take 1 milligram per kilogram daily."),
    ("Drink 1.5–2 L/day.", "Drink 1.5 to 2 litres a day."),
    ("Inject 10 ml slowly.", "Inject 10 millilitres slowly."),
    ("1 ml", "1 millilitre"),
    ("Keep it below 140/90 mmHg.", "Keep it below 140 over 90 millimetres of mercury."),
    ("A temperature of 37.5 °C", "A temperature of 37.5 degrees Celsius"),
    ("About 50% of patients", "About 50 percent of patients"),
    ("30–50% of patients", "30 to 50 percent of patients"),
    ("Next visit: 2026-11-26.", "Next visit: November 26, 2026."),
    ("HbA1c ≥ 7%", "haemoglobin A one C at least 7 percent"),
    ("Your BMI and COPD", "Your body mass index and chronic obstructive pulmonary disease"),
    ("Fasting glucose 3.9–6.1 mmol/L", "Fasting glucose 3.9 to 6.1 millimoles per litre"),
]


@pytest.mark.parametrize(("written", "spoken"), ZH_CASES)
def test_chinese_text_is_spoken_in_words(written, spoken):
    assert to_spoken_text(written, "zh-hans", GLOSSARY) == spoken


@pytest.mark.parametrize(("written", "spoken"), EN_CASES)
def test_english_text_is_spoken_in_words(written, spoken):
    assert to_spoken_text(written, "en", GLOSSARY) == spoken


def test_impossible_dates_are_not_read_as_dates():
    assert "February" not in to_spoken_text("Batch 2026-02-30", "en")
    assert "月" not in to_spoken_text("批号2026-13-45", "zh")


@pytest.mark.parametrize(
    ("number", "chinese"),
    [(0, "零"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (1010, "一千零一十"),
     (10000, "一万"), (10001, "一万零一"), (100500, "十万零五百"), (120000, "十二万"), (100000001, "一亿零一")],
)  # fmt: skip
def test_integer_to_chinese(number, chinese):
    assert integer_to_chinese(number) == chinese


def test_decimals_and_digit_strings():
    assert number_to_chinese("3.05") == "三点零五"
    assert number_to_chinese("-0.5") == "负零点五"
    assert number_to_chinese("1,200") == "一千二百"
    assert digits_to_chinese("2026") == "二零二六"
    assert digits_to_chinese("120", yao_for_one=True) == "幺二零"
    with pytest.raises(ValueError):
        number_to_chinese("3.x")


def test_editable_glossary_overrides_the_default():
    glossary = Glossary.from_mapping(
        {"ABPM": {"zh": "动态血压监测", "en": "ambulatory blood pressure monitoring"}, "BP": "blood pressure"}
    )
    assert to_spoken_text("建议做ABPM", "zh", glossary) == "建议做动态血压监测"
    assert to_spoken_text("Book an ABPM.", "en", glossary) == "Book an ambulatory blood pressure monitoring."
    assert to_spoken_text("Check your BP daily.", "en", glossary) == "Check your blood pressure daily."
    # Whole words only: "BPM" is not "BP" + "M".
    assert to_spoken_text("80 BPM", "en", glossary) == "80 BPM"


def test_default_glossary_ships_core_abbreviations():
    for term in ("BMI", "HbA1c", "CT", "MRI", "COPD"):
        assert term in GLOSSARY.entries
        assert GLOSSARY.entries[term].zh and GLOSSARY.entries[term].en


def test_malformed_glossary_is_rejected(tmp_path):
    with pytest.raises(GlossaryError, match="unknown languages"):
        Glossary.from_mapping({"BMI": {"fr": "indice"}})
    with pytest.raises(GlossaryError, match="expected a string"):
        Glossary.from_mapping({"BMI": 3})
    broken = tmp_path / "glossary.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(GlossaryError, match="cannot read glossary"):
        Glossary.from_file(broken)


def test_unknown_language_is_a_clear_error():
    with pytest.raises(UnsupportedLanguageError, match="fr"):
        to_spoken_text("Bonjour", "fr")


@pytest.mark.parametrize(
    ("language", "text", "sentences"),
    [
        ("zh", "高血压很常见。你知道吗？要按时吃药！", ["高血压很常见。", "你知道吗？", "要按时吃药！"]),
        ("zh", "“要按时吃药！”他说。", ["“要按时吃药！”", "他说。"]),
        ("zh", "没有句号的标题", ["没有句号的标题"]),
        (
            "en",
            "Take 3.5 mg, e.g. with food. Dr. Li agrees! Really? Yes.",
            ["Take 3.5 mg, e.g. with food.", "Dr. Li agrees!", "Really?", "Yes."],
        ),
    ],
)
def test_split_sentences(language, text, sentences):
    assert split_sentences(text, language) == sentences
