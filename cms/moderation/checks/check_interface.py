"""The one interface every check implements, and the helper that turns a text span into a Finding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from cms.core.documents import ArticleDocument

from .config import CheckConfig
from .document_text import TextSegment
from .findings import Finding, Severity, TextLocation


@runtime_checkable
class Check(Protocol):
    """``check(document, config) -> list[Finding]`` with a stable ``name`` (stored in reports and settings)."""

    name: str

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]: ...


@runtime_checkable
class MeasuringCheck(Check, Protocol):
    """A check that also reports numbers for every article (e.g. the reading level), not only findings."""

    def measure(self, document: ArticleDocument, config: CheckConfig) -> dict[str, Any]: ...


def finding_in_segment(
    *,
    check: str,
    severity: Severity,
    segment: TextSegment,
    start: int | None,
    end: int | None,
    message_zh: str,
    message_en: str,
    rule_id: str | None = None,
    excerpt: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Finding:
    """A finding about characters ``start:end`` of a text segment (the whole segment when they are None)."""
    if excerpt is None:
        excerpt = segment.text[start:end] if start is not None and end is not None else segment.text
    return _finding(check, severity, segment.location(start, end), (message_zh, message_en), excerpt, rule_id, data)


def finding_for_block(
    *,
    check: str,
    severity: Severity,
    document: ArticleDocument,
    block_index: int | None,
    field: str,
    message_zh: str,
    message_en: str,
    excerpt: str = "",
    rule_id: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Finding:
    """A finding about a whole block field (an image, a link, a heading) or, with no block, the article."""
    if block_index is None:
        position = TextLocation(block_index=None, field=field)
    else:
        block = document.blocks[block_index]
        position = TextLocation(block_index=block_index, block_id=block.block_id, block_kind=block.kind, field=field)
    return _finding(check, severity, position, (message_zh, message_en), excerpt, rule_id, data)


def _finding(
    check: str,
    severity: Severity,
    position: TextLocation,
    messages: tuple[str, str],
    excerpt: str,
    rule_id: str | None,
    data: Mapping[str, Any] | None,
) -> Finding:
    """The one place a check's Finding is built, so ``location`` always matches ``position``."""
    return Finding(
        check=check,
        severity=severity,
        location=position.describe(),
        message_zh=messages[0],
        message_en=messages[1],
        excerpt=excerpt,
        rule_id=rule_id,
        position=position,
        data=dict(data or {}),
    )
