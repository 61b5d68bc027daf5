"""ArticleDocument -> speech script: block structure read naturally."""

import pytest

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from media_pipeline.article_renders import speech_wording
from media_pipeline.speech import SpeechSettings, UnsupportedLanguageError, build_speech_script, default_glossary


def _zh_document() -> ArticleDocument:
    return ArticleDocument(
        title="高血压的日常管理",
        language="zh-hans",
        summary="本文介绍高血压患者的自我管理。",
        blocks=(
            DocumentBlock("heading", text="什么是高血压", block_id="h1"),
            DocumentBlock("paragraph", text="血压持续高于140/90 mmHg即为高血压。约50%的患者没有症状。", block_id="p1"),
            DocumentBlock("list", items=("• 按时服药", "2、低盐饮食"), block_id="l1"),
            DocumentBlock("key_points", items=("定期测量血压", "每周运动3–5 次"), block_id="k1"),
            DocumentBlock("warning", text="出现剧烈头痛时请立即拨打120。", block_id="w1"),
            DocumentBlock("qa", text="可以自行停药吗？", answer="不可以。", block_id="q1"),
            DocumentBlock(
                "image", image=DocumentImage(path=None, alt_text="血压计", caption="电子血压计"), block_id="i1"
            ),
            DocumentBlock("references", items=("中国高血压防治指南 2024",), block_id="r1"),
        ),
    )


def _en_document() -> ArticleDocument:
    return ArticleDocument(
        title="Living with high blood pressure",
        language="en",
        blocks=(
            DocumentBlock("heading", text="Know your numbers", block_id="h1"),
            DocumentBlock("list", items=("Take your tablets", "Eat less salt"), block_id="l1"),
            DocumentBlock("key_points", items=("Measure weekly",), block_id="k1"),
            DocumentBlock("warning", text="Call 911 if you have chest pain.", block_id="w1"),
            DocumentBlock("qa", text="Can I stop my tablets?", answer="No.", block_id="q1"),
        ),
    )


def test_chinese_blocks_are_read_naturally():
    script = build_speech_script(_zh_document(), glossary=default_glossary(), wording=speech_wording("zh-hans"))
    assert script.language == "zh"
    spoken = {p.id: p.text_for_speech for p in script.paragraphs}
    assert list(spoken) == ["title", "h1", "p1", "l1", "k1", "w1", "q1"]
    assert spoken["title"] == "高血压的日常管理。"
    assert spoken["h1"] == "什么是高血压。"
    assert spoken["p1"] == "血压持续高于高压一百四十，低压九十毫米汞柱即为高血压。约百分之五十的患者没有症状。"
    assert spoken["l1"] == "第一，按时服药。第二，低盐饮食。"
    assert spoken["k1"] == "要点：第一，定期测量血压。第二，每周运动三到五次。"
    assert spoken["w1"] == "请注意：出现剧烈头痛时请立即拨打幺二零。"
    assert spoken["q1"] == "问：可以自行停药吗？答：不可以。"


def test_display_text_keeps_what_the_article_says():
    script = build_speech_script(_zh_document())
    paragraph = next(p for p in script.paragraphs if p.id == "p1")
    assert paragraph.text_for_display == "血压持续高于140/90 mmHg即为高血压。约50%的患者没有症状。"
    assert [s.display for s in paragraph.sentences] == ["血压持续高于140/90 mmHg即为高血压。", "约50%的患者没有症状。"]
    assert paragraph.block_id == "p1" and paragraph.kind == "paragraph"


def test_english_blocks_are_read_naturally():
    script = build_speech_script(_en_document(), wording=speech_wording("en"))
    spoken = {p.id: p.text_for_speech for p in script.paragraphs}
    assert spoken["l1"] == "First, Take your tablets. Second, Eat less salt."
    assert spoken["k1"] == "Key points: Measure weekly."
    assert spoken["w1"] == "Important: Call 911 if you have chest pain."
    assert spoken["q1"] == "Question: Can I stop my tablets? Answer: No."


def test_references_captions_and_summary_follow_settings():
    settings = SpeechSettings(read_title=False, read_summary=True, read_image_captions=True, read_references=True)
    script = build_speech_script(_zh_document(), settings, wording=speech_wording("zh-hans"))
    spoken = {p.id: p.text_for_speech for p in script.paragraphs}
    assert "title" not in spoken
    assert spoken["summary"] == "本文介绍高血压患者的自我管理。"
    assert spoken["i1"] == "图片说明：电子血压计。"
    assert spoken["r1"].startswith("参考文献：中国高血压防治指南")
    assert not any(ch.isdigit() for ch in spoken["r1"])  # espeak-ng misreads Chinese digits


def test_warning_that_already_warns_is_not_announced_twice():
    doc = ArticleDocument(
        title="", language="en", blocks=(DocumentBlock("warning", text="Warning: do not drive.", block_id="w"),)
    )
    assert build_speech_script(doc).paragraphs[0].text_for_speech == "Warning: do not drive."


def test_blocks_without_ids_get_stable_positional_ids():
    doc = ArticleDocument(
        title="",
        language="en",
        blocks=(DocumentBlock("paragraph", text="One."), DocumentBlock("paragraph", text="Two.")),
    )
    assert [p.id for p in build_speech_script(doc).paragraphs] == ["block-0", "block-1"]


def test_unsupported_article_language_is_rejected():
    doc = ArticleDocument(title="Hola", language="es", blocks=())
    with pytest.raises(UnsupportedLanguageError):
        build_speech_script(doc)
