"""Labelled sentences for the claim check: the development corpus, blind slices, editors' examples.

A corpus file is tab-separated UTF-8 with a header: ``id lang genre label category clause text``
(see ``tests/data/claims/README.md``). Its categories are finer than the check's (``guarantee``
and ``farewell_disease`` are both an efficacy guarantee to the check); :data:`CHECK_CATEGORY`
maps them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .claim_rules import CLAIM_CATEGORIES

COLUMNS = ("id", "lang", "genre", "label", "category", "clause", "text")
LABELS = ("violation", "legitimate")
CHECK_CATEGORY = {
    "efficacy_guarantee": "efficacy_guarantee",
    "guarantee": "efficacy_guarantee",
    "farewell_disease": "efficacy_guarantee",
    "cure_rate": "cure_rate",
    "comparison": "comparison",
    "endorsement": "endorsement",
    "testimonial": "testimonial",
    "crowd_proof": "crowd_proof",
    "before_after": "before_after",
    "refund_guarantee": "refund_guarantee",
    "natural_safe": "natural_safety",
    "food_disease": "non_medical_disease_claim",
    "urgency_scarcity": "urgency_selling",
    "miracle": "miracle_claim",
    "all_people": "miracle_claim",
    "fear": "fear_selling",
    "absolute": "absolute_terms",
    "disguised_ad": "disguised_advertising",
}
if not set(CHECK_CATEGORY.values()) <= set(CLAIM_CATEGORIES):
    raise RuntimeError("CHECK_CATEGORY maps to a category CLAIM_CATEGORIES does not have")


class CorpusError(ValueError):
    """A corpus line is malformed; the message names the file and line."""


@dataclass(frozen=True)
class LabelledSentence:
    text: str
    language: str  # "zh" or "en"
    violation: bool
    category: str = ""  # the check's category, for violations
    clause: str = ""
    source: str = ""  # "file.tsv:id" or "override:42"


def read_corpus(path: Path) -> list[LabelledSentence]:
    """Every sentence of a corpus file; a malformed line is an error, not skipped: corpora are curated."""
    path = Path(path)
    sentences: list[LabelledSentence] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise CorpusError(f"{path}: the header must be {' '.join(COLUMNS)}")
        for line_number, row in enumerate(reader, start=2):
            if len(row) != len(COLUMNS):
                raise CorpusError(f"{path}:{line_number}: expected {len(COLUMNS)} columns, got {len(row)}")
            record = dict(zip(COLUMNS, row, strict=True))
            if record["label"] not in LABELS or record["lang"] not in ("zh", "en") or not record["text"].strip():
                raise CorpusError(f"{path}:{line_number}: bad label, language or empty text")
            violation = record["label"] == "violation"
            if violation and record["category"] not in CHECK_CATEGORY:
                raise CorpusError(f"{path}:{line_number}: unknown category {record['category']!r}")
            sentences.append(
                LabelledSentence(
                    text=record["text"].strip(),
                    language=record["lang"],
                    violation=violation,
                    category=CHECK_CATEGORY[record["category"]] if violation else "",
                    clause=record["clause"] if violation else "",
                    source=f"{path.name}:{record['id']}",
                )
            )
    return sentences


# Every BACKGROUND_EVERY-th MedQuAD record lends its sentences to training as legitimate English
# patient education; the benchmark reports false alarms on the other records as unseen.
BACKGROUND_EVERY = 25


def medquad_background(path: Path, *, limit: int = 1500) -> list[LabelledSentence]:
    """Legitimate English sentences from every BACKGROUND_EVERY-th record of the MedQuAD JSONL(.gz) file."""
    import gzip
    import json

    from .document_text import split_sentences

    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    sentences: list[LabelledSentence] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number % BACKGROUND_EVERY:
                continue
            record = json.loads(line)
            for section in record.get("sections", []):
                for sentence in split_sentences(" ".join((section.get("answer") or "").split())):
                    text = sentence.text.strip()
                    if len(text.split()) >= 4 and len(sentences) < limit:
                        sentences.append(
                            LabelledSentence(text=text, language="en", violation=False, source=f"medquad:{number}")
                        )
    return sentences
