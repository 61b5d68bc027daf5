"""Check: headings with nothing under them, usually a section the author forgot to write."""

from __future__ import annotations

from cms.core.documents import ArticleDocument, DocumentBlock

from .check_interface import finding_for_block
from .config import CheckConfig
from .findings import Finding


def block_has_content(block: DocumentBlock) -> bool:
    """Whether a non-heading block shows the reader anything."""
    if block.kind == "image":
        return block.image is not None
    return bool(block.text.strip() or block.answer.strip() or any(item.strip() for item in block.items))


class EmptySectionCheck:
    name = "empty_sections"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        severity = config.severity_for(config.empty_section_severity, self.name)
        findings: list[Finding] = []
        headings = [index for index, block in enumerate(document.blocks) if block.kind == "heading"]
        for position, index in enumerate(headings):
            heading = document.blocks[index]
            problems: list[tuple[str, str, str, str]] = []  # (rule_id, excerpt, message_zh, message_en)
            if not heading.text.strip():
                problems.append(
                    (
                        "sections.blank_heading",
                        "",
                        "标题为空，请填写标题或删除该模块。",
                        "The heading is blank; write it or remove the block.",
                    )
                )
            section_end = headings[position + 1] if position + 1 < len(headings) else len(document.blocks)
            if not any(block_has_content(block) for block in document.blocks[index + 1 : section_end]):
                problems.append(
                    (
                        "sections.empty",
                        heading.text,
                        f"小节“{heading.text.strip()}”下没有任何内容，请补充内容或删除该标题。",
                        f"The section \u201c{heading.text.strip()}\u201d has no content; "
                        "add some or remove the heading.",
                    )
                )
            findings.extend(
                finding_for_block(
                    check=self.name,
                    severity=severity,
                    document=document,
                    block_index=index,
                    field="text",
                    rule_id=rule_id,
                    excerpt=excerpt,
                    message_zh=message_zh,
                    message_en=message_en,
                )
                for rule_id, excerpt, message_zh, message_en in problems
            )
        return findings
