"""Slides, fonts, text wrapping, QR codes and slide timing (no video encoding)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from media_pipeline.article_renders import slide_wording
from media_pipeline.render.fonts import MissingFontError, find_cjk_font, fit_text, wrap_text
from media_pipeline.render.qr import MIN_QUIET_ZONE, InvalidShareURLError, make_qr, qr_image
from media_pipeline.render.slides import SlideRenderer, crop_to_focal_point, frame_size, load_illustration, plan_slides
from media_pipeline.render.subtitles import Cue
from media_pipeline.render.video import slide_timeline

LONG_ZH_TITLE = (
    "高血压患者的日常管理：如何在家正确测量血压、坚持长期规律服药、合理饮食和适量运动，"
    "从而有效避免心脑血管并发症与肾脏损害的发生"
)
BACKGROUND = (246, 248, 251)


def _document(**overrides) -> ArticleDocument:
    fields = dict(
        title=LONG_ZH_TITLE,
        language="zh-hans",
        doctor_name="张伟",
        doctor_title="主任医师",
        hospital="北京协和医院心内科",
        share_url="https://kepu.example.cn/s/abc123",
        blocks=(
            DocumentBlock("heading", text="什么是高血压"),
            DocumentBlock("paragraph", text="高血压是常见的慢性病。需要长期管理。"),
            DocumentBlock("key_points", items=("每天测量血压", "按时服药")),
            DocumentBlock("warning", text="血压过高伴胸痛时请立即就医！"),
        ),
    )
    fields.update(overrides)
    return ArticleDocument(**fields)


def test_wrap_text_breaks_chinese_by_measured_width_and_keeps_punctuation_off_line_starts():
    font = find_cjk_font().at(48)
    text = "高血压是指在未使用降压药物的情况下，非同日三次测量诊室血压，收缩压≥140mmHg和/或舒张压≥90mmHg。"
    lines = wrap_text(text, font, 400)
    assert len(lines) >= 4
    assert "".join(lines) == text
    assert all(font.getlength(line) <= 400 for line in lines)
    assert not any(line[0] in "，。、；：！？" for line in lines)
    assert any("140mmHg" in line for line in lines)  # a Latin run is never split


def test_wrap_text_keeps_english_words_whole():
    font = find_cjk_font().at(40)
    lines = wrap_text("Questions about your blood pressure? Ask your doctor.", font, 360)
    assert len(lines) > 1
    assert " ".join(lines) == "Questions about your blood pressure? Ask your doctor."


def test_fit_text_shrinks_then_truncates_with_ellipsis():
    face = find_cjk_font()
    fitted = fit_text(LONG_ZH_TITLE * 3, face, max_width=500, max_height=200, max_size=60, min_size=30)
    assert fitted.truncated and fitted.size == 30
    assert fitted.lines[-1].endswith("…")
    assert fitted.height <= 200


def test_missing_cjk_font_raises_a_clear_error():
    latin_only = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    with pytest.raises(MissingFontError, match="fonts-noto-cjk"):
        find_cjk_font("regular", only_files=(latin_only, Path("/nonexistent/font.ttc")))


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_long_chinese_title_wraps_inside_the_safe_area(tmp_path, orientation):
    document = _document()
    renderer = SlideRenderer(document, *frame_size(orientation))
    title = renderer.render(plan_slides(document, slide_wording(document.language))[0], tmp_path / "title.png")

    safe = renderer.layout.safe
    assert title.text_boxes and all(box.inside(safe) for box in title.text_boxes)
    title_font_line = find_cjk_font("bold").at(56).getmetrics()
    assert max(b.bottom - b.top for b in title.text_boxes) > 2 * sum(title_font_line)  # wrapped, several lines
    assert not any(box.inside(renderer.layout.caption_band) for box in title.text_boxes)

    with Image.open(title.path) as image:
        assert image.size == frame_size(orientation)
        width, height = image.size
        margins = [
            (0, 0, width, safe.top),
            (0, safe.bottom, width, height),
            (0, 0, safe.left, height),
            (safe.right, 0, width, height),
        ]
        for box in margins:  # nothing but background outside the safe area
            assert image.crop(box).getcolors() == [((box[2] - box[0]) * (box[3] - box[1]), BACKGROUND)]


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_every_slide_keeps_text_inside_the_safe_area_and_out_of_the_caption_band(tmp_path, orientation):
    document = _document()
    renderer = SlideRenderer(document, *frame_size(orientation))
    slides = renderer.render_all(plan_slides(document, slide_wording(document.language)), tmp_path)
    # one section slide per spoken sentence ("高血压是常见的慢性病。" / "需要长期管理。")
    assert [s.spec.kind for s in slides] == ["title", "section", "section", "key_point", "key_point", "warning", "end"]
    for slide in slides:
        for box in slide.text_boxes:
            assert box.inside(renderer.layout.content), (slide.spec.kind, box)


def _picture_with_red_square(path: Path) -> Path:
    image = Image.new("RGB", (1600, 900), (200, 220, 240))
    ImageDraw.Draw(image).rectangle((1300, 100, 1500, 300), fill=(255, 0, 0))
    image.save(path, quality=95)
    return path


def test_crop_keeps_the_focal_point_in_view(tmp_path):
    image = Image.open(_picture_with_red_square(tmp_path / "focal.jpg"))
    focused = crop_to_focal_point(image, (400, 600), (1300, 100, 200, 200))
    centred = crop_to_focal_point(image, (400, 600), None)
    assert focused.size == centred.size == (400, 600)

    def red_share(picture: Image.Image) -> float:
        pixels = list(picture.getdata())
        return sum(1 for r, g, b in pixels if r > 200 and g < 60 and b < 60) / len(pixels)

    assert red_share(focused) > 0.05
    assert red_share(centred) == 0


def test_illustration_focal_point_follows_a_reduced_decode(tmp_path):
    path = _picture_with_red_square(tmp_path / "big.jpg")
    picture = load_illustration(
        DocumentImage(path=path, alt_text="图", width=1600, height=900, focal_point=(1300, 100, 200, 200)), (200, 300)
    )
    r, g, b = picture.getpixel((100, 60))
    assert r > 200 and g < 80 and b < 80


def test_undecodable_illustration_is_skipped_with_a_warning(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    document = _document(
        blocks=(
            DocumentBlock("heading", text="示意图"),
            DocumentBlock("image", image=DocumentImage(path=broken, alt_text="坏图")),
            DocumentBlock("paragraph", text="图片无法显示时仍然生成幻灯片。"),
        )
    )
    renderer = SlideRenderer(document, *frame_size("portrait"))
    section = renderer.render(plan_slides(document, slide_wording(document.language))[1], tmp_path / "section.png")
    assert section.illustration_box is None
    assert len(section.warnings) == 1 and "broken.jpg" in section.warnings[0]
    assert Image.open(section.path).size == (1080, 1920)


def test_article_without_images_or_share_url_still_gets_all_slides(tmp_path):
    document = _document(share_url="", blocks=(DocumentBlock("paragraph", text="没有图片的文章。"),))
    renderer = SlideRenderer(document, *frame_size("portrait"))
    slides = renderer.render_all(plan_slides(document, slide_wording(document.language)), tmp_path)
    assert [s.spec.kind for s in slides] == ["title", "section", "end"]
    assert any("QR" in w for w in slides[-1].warnings)


def test_qr_image_has_a_quiet_zone_of_at_least_four_modules():
    url = "https://kepu.example.cn/s/abc123"
    modules = len(make_qr(url).matrix)
    image = qr_image(url, size_px=400).convert("L")
    module_px = 400 // (modules + 2 * MIN_QUIET_ZONE)
    dark = [(x, y) for y in range(400) for x in range(400) if image.getpixel((x, y)) < 128]
    xs, ys = [x for x, _ in dark], [y for _, y in dark]
    assert min(xs) >= MIN_QUIET_ZONE * module_px and min(ys) >= MIN_QUIET_ZONE * module_px
    assert 400 - 1 - max(xs) >= MIN_QUIET_ZONE * module_px and 400 - 1 - max(ys) >= MIN_QUIET_ZONE * module_px
    assert (max(xs) - min(xs) + 1) == modules * module_px  # whole-pixel modules


def test_qr_codes_refuse_bad_urls_and_a_thin_quiet_zone():
    url = "https://kepu.example.cn/s/abc123"
    for bad in ("", "/articles/12/", "javascript:alert(1)"):
        with pytest.raises(InvalidShareURLError):
            make_qr(bad)
    with pytest.raises(ValueError, match="quiet zone"):
        qr_image(url, size_px=400, border=2)


def test_slide_timing_follows_the_cues_sentence_by_sentence_and_the_end_card_holds_after_the_voice():
    document = _document()
    # title, section ×2 (one per sentence), key point ×2, warning, end
    specs = plan_slides(document, slide_wording(document.language))
    assert [spec.text for spec in specs[1:3]] == ["高血压是常见的慢性病。", "需要长期管理。"]
    cues = [
        Cue(0.0, 2.0, LONG_ZH_TITLE[:20]),
        Cue(2.0, 4.0, "什么是高血压"),
        Cue(4.0, 5.5, "高血压是常见的慢性病。"),
        Cue(5.5, 6.5, "需要长期管理。"),
        Cue(6.5, 8.0, "要点：第一，每天测量血压。"),  # narration adds words and punctuation
        Cue(8.0, 9.5, "第二，按时服药。"),
        Cue(9.5, 12.0, "请注意：血压过高伴胸痛时请立即就医！"),
        Cue(12.5, 14.0, "如有疑问，请咨询您的医生。"),
    ]
    entries, warnings = slide_timeline(specs, cues, 14.5)
    assert warnings == []
    assert [(e.slide_index, e.start) for e in entries] == [
        (0, 0.0),
        (1, 2.0),
        (2, 5.5),
        (3, 6.5),
        (4, 8.0),
        (5, 9.5),
        (6, 12.5),
    ]
    assert entries[-1].end == 14.5
    assert all(a.end == b.start for a, b in zip(entries, entries[1:], strict=False))

    # With a hold, the end card waits for the narration to finish, then stays up in quiet.
    held, _ = slide_timeline(specs, cues, 14.5, end_hold=3.5)
    assert held[-1].slide_index == 6 and (held[-1].start, held[-1].end) == (14.5, 18.0)
    assert all(e.slide_index != 6 for e in held[:-1]) and held[-2].end == 14.5


def test_qa_answers_and_list_items_get_slides_of_their_own():
    document = _document(
        blocks=(
            DocumentBlock("heading", text="怎样记录"),
            DocumentBlock("paragraph", text="每次测两遍，取平均值。家庭血压≥135/85 mmHg 就算偏高。"),
            DocumentBlock("list", items=("早上起床后一小时内", "晚上睡觉前")),
            DocumentBlock("qa", text="测出来偏高，可以自己加药吗？", answer="不可以。请把记录带给医生，由医生决定。"),
        )
    )
    specs = [spec for spec in plan_slides(document, slide_wording(document.language)) if spec.kind == "section"]
    texts = [spec.text for spec in specs]
    assert "家庭血压≥135/85 mmHg 就算偏高。" in texts  # the figure the voice speaks is on screen
    assert texts[-3:] == ["测出来偏高，可以自己加药吗？", "不可以。", "请把记录带给医生，由医生决定。"]
    assert [spec.label for spec in specs[-2:]] == ["答", "答"] and specs[-1].heading == "测出来偏高，可以自己加药吗？"
    assert [spec.label for spec in specs if spec.text in ("早上起床后一小时内", "晚上睡觉前")] == ["1/2", "2/2"]
    assert all(spec.heading for spec in specs)


def test_slide_timing_without_matching_cues_falls_back_to_text_length():
    specs = plan_slides(_document(), slide_wording("zh-hans"))
    entries, warnings = slide_timeline(specs, [Cue(0.0, 5.0, "completely unrelated words")], 20.0)
    assert warnings and "text length" in warnings[0]
    assert entries[0].start == 0.0 and entries[-1].end == 20.0
    assert {e.slide_index for e in entries} == set(range(len(specs)))
