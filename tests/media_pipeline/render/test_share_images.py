"""Share cover/poster and the doctor watermark, checked by opening the files with Pillow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cms.articles.document import ArticleDocument, DocumentBlock, DocumentImage
from media_pipeline.fonts import find_cjk_font
from media_pipeline.share_images import (
    COVER_SIZE,
    POSTER_SIZE,
    WatermarkError,
    doctor_watermark_text,
    render_share_images,
    safe_area,
    watermark_illustration,
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


def test_watermark_keeps_format_and_size_and_is_semi_transparent(tmp_path):
    source = tmp_path / "dark.jpg"
    Image.new("RGB", (1000, 700), (20, 20, 20)).save(source, quality=95)
    text = doctor_watermark_text(_document())
    assert text == "张伟  主任医师  ·  北京协和医院心内科"
    out = watermark_illustration(source, tmp_path / "stamped.jpg", text)
    with Image.open(out) as stamped:
        assert (stamped.format, stamped.size) == ("JPEG", (1000, 700))
        grey = np.asarray(stamped.convert("L"), dtype=int)
    corner = grey[560:, 500:]
    assert corner.max() > 100  # text is visible ...
    assert corner.max() < 230  # ... but blended, not opaque white
    assert np.abs(grey[:300, :500] - 20).max() < 6  # the rest of the picture is untouched


def test_watermark_on_transparent_png_keeps_alpha_and_corner_choice(tmp_path):
    source = tmp_path / "icon.png"
    Image.new("RGBA", (400, 300), (0, 90, 160, 128)).save(source)
    out = watermark_illustration(source, tmp_path / "icon-stamped.png", "张伟 · 协和医院", corner="top-left")
    with Image.open(out) as stamped:
        assert (stamped.format, stamped.size, stamped.mode) == ("PNG", (400, 300), "RGBA")
        rgba = np.asarray(stamped, dtype=int)
    assert (rgba[:60, :250, :3] != (0, 90, 160)).any(axis=2).sum() > 50  # stamped top-left
    assert (rgba[200:, 200:] == (0, 90, 160, 128)).all()  # bottom-right untouched, alpha kept


def test_watermark_rejects_unreadable_or_tiny_images(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with pytest.raises(WatermarkError, match="could not be decoded"):
        watermark_illustration(broken, tmp_path / "x.jpg", "张伟")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (40, 40)).save(tiny)
    with pytest.raises(WatermarkError, match="too small"):
        watermark_illustration(tiny, tmp_path / "y.png", "张伟")
