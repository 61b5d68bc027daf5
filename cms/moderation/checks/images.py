"""Check: every illustration needs alt text that tells a blind reader what it shows.

Screen-reader users (many of them elderly patients) hear the alt text instead
of seeing the picture; a filename or "图片" tells them nothing.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

from cms.core.documents import ArticleDocument, DocumentImage

from .check_interface import finding_for_block
from .config import CheckConfig
from .findings import Finding

_GENERIC_ALT_WORDS = frozenset(
    {
        "image", "images", "img", "picture", "pic", "photo", "photograph", "graphic", "illustration", "figure", "fig",
        "screenshot", "untitled", "placeholder", "alt", "icon", "banner", "logo", "null", "none", "n/a", "todo",
        "图片", "图像", "照片", "插图", "示意图", "配图", "图", "截图", "无", "图示", "附图", "图标", "空",
    }
)  # fmt: skip
_FILENAME = re.compile(r"^[\w\-. ()\u4e00-\u9fff]+\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|heic|avif)$", re.IGNORECASE)
_CAMERA_NAME = re.compile(
    r"^(?:IMG|DSC|DSCN|DCIM|PXL|MVIMG|Screenshot|Screen Shot|截屏|屏幕截图|微信图片|mmexport|image|photo)"
    r"[\s_\-]*[\d_\-\s:.]*$",
    re.IGNORECASE,
)
_MEANINGFUL_CHAR = re.compile(r"[A-Za-z\u4e00-\u9fff]")


def alt_text_problem(
    image: DocumentImage, *, chinese: bool, min_chars_zh: int, min_chars_en: int
) -> tuple[str, str] | None:
    """Why this image's alt text is useless, as (zh, en) explanations, or None when it is fine."""
    alt = image.alt_text.strip()
    if not alt:
        return ("缺少替代文本（alt）", "the alt text is missing")
    normalised = alt.lower().strip(" .:：。!！")
    if normalised in _GENERIC_ALT_WORDS:
        return (f"替代文本“{alt}”只是泛称", f"the alt text \u201c{alt}\u201d is a generic word")
    if normalised in _file_names(image):
        return (f"替代文本“{alt}”与文件名相同", f"the alt text \u201c{alt}\u201d is the file name")
    if _FILENAME.match(alt) or _CAMERA_NAME.match(alt):
        return (f"替代文本“{alt}”像是文件名", f"the alt text \u201c{alt}\u201d looks like a file name")
    if not _MEANINGFUL_CHAR.search(alt):
        return (f"替代文本“{alt}”没有文字内容", f"the alt text \u201c{alt}\u201d contains no words")
    minimum = min_chars_zh if chinese else min_chars_en
    if len(alt) < minimum:
        return (
            f"替代文本“{alt}”过短（少于{minimum}个字符）",
            f"the alt text \u201c{alt}\u201d is too short (under {minimum} characters)",
        )
    return None


def _file_names(image: DocumentImage) -> set[str]:
    names: set[str] = set()
    candidates = [image.path.name if image.path else ""]
    if image.source_url:
        candidates.append(PurePosixPath(unquote(urlparse(image.source_url).path)).name)
    for name in candidates:
        if name:
            names.update({name.lower(), PurePosixPath(name).stem.lower()})
    return names


class ImageAltTextCheck:
    name = "image_alt_text"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        severity = config.severity_for(config.image_alt_severity, self.name)
        findings: list[Finding] = []
        for index, block in enumerate(document.blocks):
            if block.kind != "image":
                continue
            if block.image is None:
                findings.append(
                    finding_for_block(
                        check=self.name,
                        severity="error",
                        document=document,
                        block_index=index,
                        field="image",
                        rule_id="image.missing",
                        message_zh="图片模块没有选择图片。",
                        message_en="The image block has no image selected.",
                    )
                )
                continue
            problem = alt_text_problem(
                block.image,
                chinese=document.is_chinese,
                min_chars_zh=config.min_alt_text_chars_zh,
                min_chars_en=config.min_alt_text_chars_en,
            )
            if problem is None:
                continue
            zh, en = problem
            findings.append(
                finding_for_block(
                    check=self.name,
                    severity=severity,
                    document=document,
                    block_index=index,
                    field="alt_text",
                    rule_id="image.alt_text",
                    excerpt=block.image.alt_text,
                    message_zh=f"图片{zh}。请用一句话描述图片内容，供视障读者的读屏软件朗读，例如“医生为患者测量血压”。",
                    message_en=(
                        f"Image: {en}. Describe what the picture shows in one sentence for screen-reader users, "
                        "e.g. \u201ca nurse measuring a patient's blood pressure\u201d."
                    ),
                )
            )
        return findings
