"""Which paragraphs of a revision the doctor has recorded, and which recordings the text has moved away from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from django.core.files import File
from django.utils.translation import gettext_lazy as _

from cms.core.documents import ArticleDocument, DocumentRecording, narration_fingerprint

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
        rows.append(
            ParagraphNarration(key, str(_KIND_LABELS.get(kinds[key], kinds[key])), text, fingerprint, recording, state)
        )
    return rows


class ParagraphChanged(Exception):
    """The paragraph was edited (or removed) since the recording page was opened."""


def attach_recording(
    article: Any,
    paragraph: str,
    expected_fingerprint: str,
    audio: Path,
    *,
    sha256: str,
    duration_s: float,
    user: Any,
    original_name: str = "",
) -> Any:
    """Save a new revision of ``article`` (from its latest one) with ``audio`` as the paragraph's recording.

    Raises ParagraphChanged when the paragraph's text is no longer the text the
    doctor was shown (edited in another tab meanwhile), so a recording is never
    filed against words it does not say.
    """
    page = article.get_latest_revision_as_object()
    # The recording model from the relation: the page models import this module for their panel.
    NarrationRecording = page._meta.get_field("narration_recordings").related_model
    texts = page.as_document().narration_texts()
    if paragraph not in texts or narration_fingerprint(texts[paragraph]) != expected_fingerprint:
        raise ParagraphChanged(paragraph)
    recording = NarrationRecording(
        paragraph=paragraph,
        text_fingerprint=expected_fingerprint,
        audio_sha256=sha256,
        duration=duration_s,
        original_name=original_name[:255],
        recorded_by=user if getattr(user, "pk", None) else None,
    )
    with audio.open("rb") as handle:
        recording.audio.save(audio.name, File(handle), save=False)
    page.narration_recordings = [r for r in page.narration_recordings.all() if r.paragraph != paragraph] + [recording]
    # The draft's own fields were validated when it was saved; a recording does not change them.
    return page.save_revision(user=user, log_action=True, clean=False)


def remove_recording(article: Any, paragraph: str, *, user: Any) -> Any | None:
    """Save a new revision without the paragraph's recording (it is read by TTS again); None if it had none."""
    page = article.get_latest_revision_as_object()
    recordings = list(page.narration_recordings.all())
    kept = [r for r in recordings if r.paragraph != paragraph]
    if len(kept) == len(recordings):
        return None
    page.narration_recordings = kept
    return page.save_revision(user=user, log_action=True, clean=False)
