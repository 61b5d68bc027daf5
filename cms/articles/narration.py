"""Which paragraphs of a revision the doctor has recorded, and which recordings the text has moved away from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext_lazy as _

from .document import ArticleDocument, DocumentRecording, narration_fingerprint

NarrationState = Literal["recorded", "out_of_date", "not_recorded"]

_KIND_LABELS = {
    "title": _("Title"),
    "summary": _("Summary"),
    "heading": _("Heading"),
    "paragraph": _("Paragraph"),
    "image": _("Image caption"),
    "key_points": _("Key points"),
    "warning": _("Warning"),
    "qa": _("Question and answer"),
    "list": _("List"),
    "references": _("References"),
}


@dataclass(frozen=True)
class ParagraphNarration:
    key: str  # "title", "summary" or the StreamField block id
    label: str
    text: str
    fingerprint: str
    recording: DocumentRecording | None
    state: NarrationState


def narration_rows(document: ArticleDocument) -> list[ParagraphNarration]:
    """One row per paragraph a doctor can record, in reading order, with its recording's state."""
    texts = document.narration_texts()
    kinds = {"title": "title", "summary": "summary", **{block.block_id: block.kind for block in document.blocks}}
    recordings = {recording.paragraph: recording for recording in document.recordings}
    rows = []
    for key, text in texts.items():
        fingerprint = narration_fingerprint(text)
        recording = recordings.get(key)
        if recording is None:
            state: NarrationState = "not_recorded"
        else:
            state = "recorded" if recording.fingerprint == fingerprint else "out_of_date"
        rows.append(ParagraphNarration(key, str(_KIND_LABELS.get(kinds[key], kinds[key])), text, fingerprint, recording, state))
    return rows
