"""Where a finding is, in words a doctor can follow: "第 3 段「每天量两次血压……」", "标题", "要点第 2 条".

Findings store a technical position (block index, kind, id, field, character offsets) so they can be
highlighted; this turns it into the name the doctor sees, counted the way a reader counts (the third
paragraph, not block 9) and quoted from the revision the report was made for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cms.core.documents import ArticleDocument, DocumentBlock

from .checks.findings import TextLocation

QUOTE_LENGTH = 10
_ITEM_FIELD = re.compile(r"^(items|links)\[(\d+)\]$")


@dataclass(frozen=True)
class Place:
    """A finding's place: its name in words and the editor block it belongs to (empty for title/summary)."""

    words: str
    block_id: str = ""
    field_name: str = ""  # the page form field: "title", "summary", or the StreamField the block sits in


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    short = text[:QUOTE_LENGTH] + ("……" if len(text) > QUOTE_LENGTH else "")
    return _("“%(text)s”") % {"text": short}


def _ordinal_among_kind(document: ArticleDocument, index: int) -> int:
    kind = document.blocks[index].kind
    family = {"paragraph", "list"} if kind in {"paragraph", "list"} else {kind}
    return sum(1 for block in document.blocks[: index + 1] if block.kind in family)


def _block_name(block: DocumentBlock, number: int) -> str:
    names = {
        "heading": _("Heading %(number)s"),
        "paragraph": _("Paragraph %(number)s"),
        "list": _("Paragraph %(number)s"),
        "image": _("Illustration %(number)s"),
        "key_points": _("Key points box %(number)s"),
        "warning": _("Callout %(number)s"),
        "qa": _("Question and answer %(number)s"),
        "references": _("References"),
    }
    return names.get(block.kind, _("Block %(number)s")) % {"number": number}


def _field_text(block: DocumentBlock, field: str) -> str:
    match = _ITEM_FIELD.match(field)
    if match and match.group(1) == "items" and int(match.group(2)) < len(block.items):
        return block.items[int(match.group(2))]
    if field == "answer":
        return block.answer
    if field in ("caption", "alt_text") and block.image is not None:
        return getattr(block.image, field)
    return block.text


def _editor_block_id(block_id: str) -> str:
    # Encyclopedia sections are one editor block each; the checks see their heading as its own block.
    return block_id.removesuffix("-heading")


def place_of(position: TextLocation | None, document: ArticleDocument | None, fallback: str = "") -> Place:
    """The place of a finding in ``document`` (the revision the report was made for)."""
    if position is None:
        return Place(fallback or _("The whole article"))
    if position.block_index is None:
        names = {"title": _("Title"), "summary": _("Summary"), "last_reviewed": _("Last reviewed date")}
        return Place(names.get(position.field, _("The whole article")), field_name=position.field)
    if document is None or position.block_index >= len(document.blocks):
        return Place(_("Block %(number)s") % {"number": position.block_index + 1}, _editor_block_id(position.block_id))
    block = document.blocks[position.block_index]
    number = _ordinal_among_kind(document, position.block_index)
    several_of_kind = sum(1 for other in document.blocks if other.kind == block.kind) > 1
    field = position.field
    item = _ITEM_FIELD.match(field)
    if block.kind == "key_points" and item:
        words = _("Key point %(item)s") % {"item": int(item.group(2)) + 1}
        if several_of_kind:
            words = _("%(block)s, point %(item)s") % {
                "block": _block_name(block, number),
                "item": int(item.group(2)) + 1,
            }
    elif block.kind == "references" and item:
        words = _("Reference %(item)s") % {"item": int(item.group(2)) + 1}
    elif item and item.group(1) == "links":
        words = _("%(block)s, link %(item)s") % {"block": _block_name(block, number), "item": int(item.group(2)) + 1}
    elif item:
        words = _("%(block)s, item %(item)s") % {"block": _block_name(block, number), "item": int(item.group(2)) + 1}
    elif field == "alt_text":
        words = _("%(block)s, description for screen readers") % {"block": _block_name(block, number)}
    elif field == "caption":
        words = _("%(block)s, caption") % {"block": _block_name(block, number)}
    elif block.kind == "qa" and field == "answer":
        words = _("%(block)s, answer") % {"block": _block_name(block, number)}
    elif block.kind == "qa":
        words = _("%(block)s, question") % {"block": _block_name(block, number)}
    else:
        words = _block_name(block, number)
    if block.kind != "image" or field == "caption":
        quote = _quote(_field_text(block, field))
        if quote:
            words = _("%(place)s %(quote)s") % {"place": words, "quote": quote}
    return Place(words, _editor_block_id(block.block_id))
