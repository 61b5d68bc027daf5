"""The non-claim checks, each driven through an ArticleDocument."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from cms.moderation.checks import (
    CheckConfig,
    DosageCheck,
    EmptySectionCheck,
    ExternalLinkCheck,
    ImageAltTextCheck,
    MissingReferencesCheck,
    ReadingLevelCheck,
    count_syllables,
    find_dosage_statements,
)
from cms.moderation.checks.common_hanzi import (
    COMMON_HANZI_COUNT,
    COMMON_HANZI_PATH,
    common_hanzi,
    jieba_dictionary_path,
    rank_characters_by_word_frequency,
    render_list,
)

CONFIG = CheckConfig()


def zh_article(*blocks: DocumentBlock, share_url: str = "") -> ArticleDocument:
    return ArticleDocument(title="科普文章", language="zh-hans", blocks=blocks, share_url=share_url)


def en_article(*blocks: DocumentBlock) -> ArticleDocument:
    return ArticleDocument(title="Patient leaflet", language="en", blocks=blocks)


def paragraph(text: str, **extra: object) -> DocumentBlock:
    return DocumentBlock("paragraph", text=text, **extra)  # type: ignore[arg-type]


# ---------- dosage ----------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("成人每次1片，每日3次，饭后服用。", ["每次1片", "每日3次"]),
        ("口服布洛芬200毫克，必要时每8小时一次。", ["200毫克", "每8小时一次"]),
        ("维生素D每天400 IU。", ["400 IU"]),
        ("阿莫西林 0.5 g tid", ["0.5 g", "tid"]),
        ("每次一袋，一天两次，温水冲服。", ["每次一袋", "一天两次"]),
        ("Take 1-2 tablets every 4 to 6 hours.", ["1-2 tablets", "every 4 to 6 hours"]),
        ("Use one puff twice a day.", ["one puff", "twice a day"]),
        ("Inject 10 units of insulin before breakfast.", ["10 units"]),
        ("Give 5 ml bid with food.", ["5 ml", "bid"]),
        ("每天步行30分钟，2型糖尿病患者也适用。", []),
        ("第一次复查在3个月后。", []),
        ("About 90% of people recover within a week.", []),
    ],
)
def test_dosage_statements_are_found_with_exact_excerpts(text: str, expected: list[str]) -> None:
    assert [match.text for match in find_dosage_statements(text)] == expected


def test_dosage_check_reports_each_statement_with_its_offsets() -> None:
    text = "成人每次1片，每日3次。"
    document = zh_article(DocumentBlock("heading", text="用法用量"), paragraph(text, block_id="dose"))
    findings = DosageCheck()(document, CONFIG)
    assert [finding.excerpt for finding in findings] == ["每次1片", "每日3次"]
    assert {finding.severity for finding in findings} == {"info"}
    first = findings[0]
    assert first.position is not None and first.position.block_id == "dose"
    assert text[first.position.start : first.position.end] == "每次1片"
    assert "核对剂量" in first.message_zh and "check the amount" in first.message_en
    escalated = DosageCheck()(document, CheckConfig(dosage_severity="warning"))
    assert {finding.severity for finding in escalated} == {"warning"}


# ---------- missing references ----------


def test_treatment_advice_without_references_is_flagged() -> None:
    document = zh_article(paragraph("确诊后需要长期服用降压药，不要自行停药。"))
    [finding] = MissingReferencesCheck()(document, CONFIG)
    assert finding.severity == "warning"
    assert finding.location == "article"
    assert finding.data["triggers"][:2] == ["服用", "降压药"]
    assert "参考文献" in finding.message_zh and "references" in finding.message_en


def test_dosage_alone_requires_references_and_severity_is_configurable() -> None:
    document = en_article(paragraph("Adults: 500 mg every 8 hours."))
    [finding] = MissingReferencesCheck()(document, CheckConfig(missing_references_severity="error"))
    assert finding.severity == "error"
    assert finding.excerpt == "500 mg"


def test_references_block_with_items_satisfies_the_check() -> None:
    document = zh_article(
        paragraph("确诊后需要长期服用降压药。"),
        DocumentBlock("references", items=("中国高血压防治指南（2018年修订版）",)),
    )
    assert MissingReferencesCheck()(document, CONFIG) == []


def test_empty_references_block_is_pointed_at() -> None:
    document = zh_article(
        paragraph("需要长期服用降压药。"), DocumentBlock("references", items=("  ",), block_id="refs")
    )
    [finding] = MissingReferencesCheck()(document, CONFIG)
    assert finding.position is not None and finding.position.block_id == "refs"
    assert "参考文献模块是空的" in finding.message_zh


def test_article_without_treatment_advice_needs_no_references() -> None:
    document = zh_article(paragraph("春天花粉多，过敏体质的人外出可以戴口罩。"))
    assert MissingReferencesCheck()(document, CONFIG) == []


# ---------- image alt text ----------


def image_block(
    alt: str, *, path: str = "/media/images/IMG_1234.jpg", source_url: str = "", block_id: str = "img"
) -> DocumentBlock:
    return DocumentBlock(
        "image", image=DocumentImage(path=Path(path), alt_text=alt, source_url=source_url), block_id=block_id
    )


@pytest.mark.parametrize(
    ("alt", "reason"),
    [
        ("", "缺少替代文本"),
        ("   ", "缺少替代文本"),
        ("图片", "泛称"),
        ("Image", "泛称"),
        ("示意图。", "泛称"),
        ("IMG_1234.jpg", "文件名"),
        ("img_1234", "文件名"),
        ("DSC00042", "文件名"),
        ("微信图片_20240101", "文件名"),
        ("scan-final.png", "文件名"),
        ("12345", "没有文字内容"),
        ("血压", "过短"),
    ],
)
def test_meaningless_alt_text_is_flagged(alt: str, reason: str) -> None:
    [finding] = ImageAltTextCheck()(zh_article(image_block(alt)), CONFIG)
    assert reason in finding.message_zh
    assert finding.severity == "warning" and finding.rule_id == "image.alt_text"
    assert finding.location == "block 0 (image, id img) alt_text"


def test_alt_text_equal_to_the_source_url_file_name_is_flagged() -> None:
    block = image_block(
        "knee-xray-2024", path="/tmp/upload.bin", source_url="https://cdn.example.org/a/knee-xray-2024.webp"
    )
    [finding] = ImageAltTextCheck()(en_article(block), CONFIG)
    assert "file name" in finding.message_en


def test_descriptive_alt_text_passes_in_both_languages() -> None:
    assert ImageAltTextCheck()(zh_article(image_block("护士为老人测量血压")), CONFIG) == []
    assert ImageAltTextCheck()(en_article(image_block("A nurse measuring an older man's blood pressure")), CONFIG) == []
    # English needs more characters than Chinese to say something.
    assert len(ImageAltTextCheck()(en_article(image_block("Knee")), CONFIG)) == 1


def test_image_block_without_image_is_an_error() -> None:
    [finding] = ImageAltTextCheck()(zh_article(DocumentBlock("image", block_id="x")), CONFIG)
    assert finding.severity == "error" and finding.rule_id == "image.missing"


# ---------- external links ----------


def test_links_outside_the_allow_list_are_flagged_and_subdomains_allowed() -> None:
    document = zh_article(
        paragraph(
            "参见世界卫生组织资料。",
            links=(
                "https://www.who.int/zh/news",
                "https://shop.example.com/buy?id=1",
                "/articles/42/",
                "#top",
                "mailto:a@b.cn",
            ),
            block_id="p",
        ),
        paragraph("更多信息请访问 www.health-pills.cn/deal。"),
        share_url="https://kepu.hospital.cn/a/7/",
    )
    findings = ExternalLinkCheck()(document, CONFIG)
    assert [(finding.excerpt, finding.data["host"], finding.position.field) for finding in findings] == [
        ("https://shop.example.com/buy?id=1", "shop.example.com", "links[1]"),
        ("www.health-pills.cn/deal", "www.health-pills.cn", "text"),
    ]
    assert {finding.severity for finding in findings} == {"warning"}


def test_own_site_and_configured_domains_pass() -> None:
    document = zh_article(
        paragraph("x", links=("https://kepu.hospital.cn/a/8/", "https://partner.org/page")),
        share_url="https://kepu.hospital.cn/a/7/",
    )
    assert len(ExternalLinkCheck()(document, CONFIG)) == 1
    assert ExternalLinkCheck()(document, CheckConfig(allowed_link_domains=("partner.org",))) == []
    # "evil-who.int" is not a subdomain of "who.int".
    lookalike = zh_article(paragraph("x", links=("https://evil-who.int/",)))
    assert len(ExternalLinkCheck()(lookalike, CONFIG)) == 1


def test_dangerous_and_malformed_links() -> None:
    document = zh_article(paragraph("x", links=("javascript:alert(1)", "https://", "data:text/html;base64,AAAA")))
    findings = ExternalLinkCheck()(document, CONFIG)
    assert [(finding.rule_id, finding.severity) for finding in findings] == [
        ("links.dangerous_scheme", "error"),
        ("links.malformed", "warning"),
        ("links.dangerous_scheme", "error"),
    ]


def test_reference_links_are_info_by_default() -> None:
    document = en_article(DocumentBlock("references", items=("Smith J. Gout. https://www.nejm.org/doi/10.1056/x",)))
    [finding] = ExternalLinkCheck()(document, CONFIG)
    assert finding.severity == "info" and finding.data["host"] == "www.nejm.org"


# ---------- empty sections ----------


def test_empty_sections_are_found() -> None:
    document = zh_article(
        DocumentBlock("heading", text="病因", block_id="h1"),
        paragraph("高血压与遗传和生活方式有关。"),
        DocumentBlock("heading", text="症状", block_id="h2"),
        paragraph("   "),
        DocumentBlock("heading", text="  ", block_id="h3"),
        DocumentBlock("list", items=("头晕", "头痛")),
        DocumentBlock("heading", text="预防", block_id="h4"),
    )
    findings = EmptySectionCheck()(document, CONFIG)
    assert [(finding.position.block_id, finding.rule_id) for finding in findings] == [
        ("h2", "sections.empty"),
        ("h3", "sections.blank_heading"),
        ("h4", "sections.empty"),
    ]
    assert findings[0].excerpt == "症状" and "症状" in findings[0].message_zh


def test_sections_with_images_or_qa_are_not_empty() -> None:
    document = en_article(
        DocumentBlock("heading", text="Picture"),
        image_block("A nurse measuring blood pressure"),
        DocumentBlock("heading", text="Questions"),
        DocumentBlock("qa", text="Can I drink alcohol?", answer="Better not."),
    )
    assert EmptySectionCheck()(document, CONFIG) == []


# ---------- reading level ----------

EASY_ZH = "高血压很常见。它常常没有感觉。要按时量血压。饭菜要少放盐。每天走一走。有问题就去看医生。" * 3
HARD_ZH = (
    "原发性高血压患者在长期规律服用血管紧张素转换酶抑制剂或血管紧张素受体拮抗剂的过程中，应定期监测血钾、血肌酐及估算的肾小球滤过率，"
    "以便及时发现可能出现的高钾血症和急性肾功能损害并调整治疗方案。"
) * 2
EASY_EN = (
    "Walk every day. Eat less salt. Take your pills on time. Check your blood pressure. Call your doctor if you feel dizzy. "
    * 4
)
HARD_EN = (
    "Antihypertensive pharmacotherapy necessitates individualised consideration of comorbidities, concomitant medications, "
    "and physiological characteristics, particularly regarding renal function and electrolyte homeostasis. "
) * 3


def test_easy_chinese_passes_and_reports_metrics() -> None:
    check = ReadingLevelCheck()
    document = zh_article(paragraph(EASY_ZH))
    assert check(document, CONFIG) == []
    metrics = check.measure(document, CONFIG)
    assert metrics["assessed"] is True
    assert metrics["average_sentence_chars"] < 10
    assert metrics["uncommon_char_share"] == 0.0


def test_long_chinese_sentences_and_rare_characters_are_flagged() -> None:
    findings = ReadingLevelCheck()(zh_article(paragraph(HARD_ZH)), CONFIG)
    rule_ids = {finding.rule_id for finding in findings}
    assert "reading_level.zh.sentence_length" in rule_ids
    [length] = [finding for finding in findings if finding.rule_id == "reading_level.zh.sentence_length"]
    assert length.data["average_sentence_chars"] > 35
    stricter = CheckConfig(max_uncommon_char_share_zh=0.001)
    rare = [
        f
        for f in ReadingLevelCheck()(zh_article(paragraph(HARD_ZH)), stricter)
        if f.rule_id == "reading_level.zh.uncommon_characters"
    ]
    assert rare and rare[0].data["uncommon_examples"]


def test_english_grade_level() -> None:
    check = ReadingLevelCheck()
    easy = check.measure(en_article(paragraph(EASY_EN)), CONFIG)
    hard = check.measure(en_article(paragraph(HARD_EN)), CONFIG)
    assert easy["flesch_kincaid_grade"] < 4 < 14 < hard["flesch_kincaid_grade"]
    assert check(en_article(paragraph(EASY_EN)), CONFIG) == []
    [finding] = check(en_article(paragraph(HARD_EN)), CONFIG)
    assert finding.rule_id == "reading_level.en.grade" and finding.data["targets"]["flesch_kincaid_grade"] == 8.0
    assert check(en_article(paragraph(HARD_EN)), CheckConfig(max_grade_en=60)) == []


def test_short_texts_are_measured_but_not_judged() -> None:
    check = ReadingLevelCheck()
    document = en_article(paragraph("Pharmacotherapy necessitates individualised consideration."))
    assert check.measure(document, CONFIG)["assessed"] is False
    assert check(document, CONFIG) == []


def test_syllable_heuristic_accuracy_on_labelled_words() -> None:
    labelled = {
        "the": 1, "take": 1, "table": 2, "medicine": 3, "walked": 1, "needed": 2, "boxes": 2, "takes": 1, "biology": 4,
        "patient": 2, "hospital": 3, "blood": 1, "pressure": 2, "headache": 2, "symptoms": 2, "every": 3, "agree": 2,
        "tablet": 2, "simple": 2, "reading": 2, "education": 4, "cholesterol": 4, "ibuprofen": 4, "infection": 3,
        "yes": 1, "syllable": 3, "treatment": 2, "vaccine": 2, "pages": 2, "fire": 1, "area": 3, "diabetes": 4,
        "insulin": 3, "doctors": 2, "exercise": 3, "minutes": 2, "usually": 4, "several": 3, "hypertension": 4,
        "medication": 4, "stomach": 2, "cause": 1, "causes": 2, "lived": 1, "nausea": 3, "ideal": 3, "well-being": 3,
    }  # fmt: skip
    correct = sum(count_syllables(word) == expected for word, expected in labelled.items())
    assert correct / len(labelled) >= 0.9
    assert all(abs(count_syllables(word) - expected) <= 1 for word, expected in labelled.items())


def test_common_character_list_is_what_the_generator_produces() -> None:
    source = jieba_dictionary_path()
    regenerated = render_list(rank_characters_by_word_frequency(source), source)
    assert COMMON_HANZI_PATH.read_text(encoding="utf-8") == regenerated
    characters = common_hanzi()
    assert len(characters) == COMMON_HANZI_COUNT
    assert set("的一是不了人我在有高血压医生吃药") <= characters
    assert not set("麤爨龘") & characters
