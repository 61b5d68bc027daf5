"""Share cover/poster, checked by opening the files with Pillow."""

from __future__ import annotations

import numpy as np
from PIL import Image

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from media_pipeline.render.fonts import find_cjk_font
from media_pipeline.render.share_images import (
    COVER_SIZE,
    POSTER_SIZE,
    render_share_images,
    safe_area,
)

LONG_ZH_TITLE = (
    "高血压患者的日常管理：如何在家正确测量血压、坚持长期规律服药、合理饮食和适量运动，"
    "从而有效避免心脑血管并发症与肾脏损害的发生"
)


def _document(blocks=(), **overrides) -> ArticleDocument:
    fields = dict(
        title=LONG_ZH_TITLE,
        language="zh-hans",
        doctor_name="张伟",
        doctor_title="主任医师",
        hospital="北京协和医院心内科",
        share_url="https://kepu.example.cn/s/abc123",
        blocks=blocks,
    )
    fields.update(overrides)
    return ArticleDocument(**fields)


def test_cover_and_poster_have_the_right_sizes_and_keep_a_long_chinese_title_in_the_safe_area(tmp_path):
    result = render_share_images(_document(), tmp_path)
    assert result.warnings == ()
    one_line = sum(find_cjk_font("bold").at(36).getmetrics())
    for name, path, size in (("cover", result.cover_path, COVER_SIZE), ("poster", result.poster_path, POSTER_SIZE)):
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", size)
        safe = safe_area(*size)
        boxes = result.text_boxes[name]
        assert len(boxes) >= 4  # label, title, doctor, hospital (+ poster footer)
        assert all(box.inside(safe) for box in boxes), (name, boxes, safe)
        assert max(box.bottom - box.top for box in boxes) > 2 * one_line  # the title wrapped onto several lines


def test_english_article_and_missing_share_url(tmp_path):
    document = _document(
        title="Managing high blood pressure at home: measuring correctly and taking medicine every day",
        language="en",
        doctor_name="Dr Wei Zhang",
        doctor_title="Chief Physician",
        hospital="Peking Union Medical College Hospital",
        share_url="",
    )
    result = render_share_images(document, tmp_path, basename="en")
    assert result.cover_path.name == "en-cover.png"
    assert any("QR" in warning for warning in result.warnings)
    assert all(box.inside(safe_area(*POSTER_SIZE)) for box in result.text_boxes["poster"])


def test_undecodable_illustration_is_skipped_and_the_next_one_used(tmp_path):
    broken = tmp_path / "broken.webp"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 garbage")
    good = tmp_path / "good.png"
    Image.new("RGB", (900, 900), (30, 140, 200)).save(good)
    document = _document(
        blocks=(
            DocumentBlock("image", image=DocumentImage(path=broken, alt_text="坏图")),
            DocumentBlock("image", image=DocumentImage(path=good, alt_text="好图", width=900, height=900)),
        )
    )
    result = render_share_images(document, tmp_path)
    assert len(result.warnings) == 1 and "broken.webp" in result.warnings[0]
    with Image.open(result.cover_path) as cover:
        pixels = np.asarray(cover.convert("RGB"), dtype=int)
    assert (np.abs(pixels - (30, 140, 200)).max(axis=2) < 8).sum() > 100_000  # the good picture is on the cover
