"""Reading MedQuAD and ICD-10 CN source files into plain records.

MedQuAD answers are scraped text: bullets are dashes run together with the
sentence before them, paragraphs are separated by runs of spaces and newlines.
``clean_answer`` turns that into paragraphs and lists a patient can read.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import hashlib
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .sections import MEDQUAD_QTYPE_TO_SECTION

MEDQUAD_LICENCE = (
    "Source: MedQuAD / {source}, CC BY 4.0 (Ben Abacha & Demner-Fushman 2019); NIH text in the US public domain"
)
HPO_ATTRIBUTION = "; symptom lists from the Human Phenotype Ontology (HPO)"
ICD10_LICENCE = "ICD-10 Chinese category names: chaseliu/ICD-10-CN, MIT License"

_BULLET_SPLIT = re.compile(r"\s{2,}-\s+|^\s*-\s+")
_BLOCK_SPLIT = re.compile(r"\n\s*\n|\s{5,}")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


class MalformedRecord(ValueError):
    """A source line that cannot be imported; the message says why."""


@dataclass
class Paragraphs:
    """Cleaned answer text: a list of ('p', text) and ('ul', [items]) parts."""

    parts: list[tuple[str, str | list[str]]] = field(default_factory=list)

    def to_html(self) -> str:
        out = []
        for kind, value in self.parts:
            if kind == "p":
                out.append(f"<p>{html.escape(value)}</p>")
            else:
                items = "".join(f"<li>{html.escape(item)}</li>" for item in value)
                out.append(f"<ul>{items}</ul>")
        return "".join(out)

    def first_text(self) -> str:
        return next((value for kind, value in self.parts if kind == "p"), "")


@dataclass
class EntryRecord:
    source_id: str
    title: str
    language: str
    synonyms: list[str]
    source_name: str
    source_url: str
    licence: str
    summary: str
    sections: list[tuple[str, str]]  # (section kind, html)
    icd10_codes: list[str] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)  # (citation, url)
    last_reviewed: datetime.date | None = None

    def fingerprint(self) -> str:
        fields = [
            self.title,
            self.synonyms,
            self.source_name,
            self.source_url,
            self.licence,
            self.summary,
            self.sections,
            self.icd10_codes,
        ]
        if self.references or self.last_reviewed:  # absent from the sources' records: their fingerprints stay put
            fields += [self.references, self.last_reviewed.isoformat() if self.last_reviewed else ""]
        payload = json.dumps(fields, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip()


def clean_answer(answer: str) -> Paragraphs:
    """Split a MedQuAD answer into paragraphs and bullet lists."""
    result = Paragraphs()
    for chunk in _BLOCK_SPLIT.split(answer.replace("\t", " ")):
        if not chunk.strip():
            continue
        pieces = _BULLET_SPLIT.split(" " + chunk if chunk.lstrip().startswith("-") else chunk)
        lead, items = pieces[0], [_tidy(piece) for piece in pieces[1:]]
        lead = _tidy(lead)
        # "Key Points" introduces the bullet summary that follows; the list speaks for itself.
        if lead and lead.lower() != "key points":
            result.parts.append(("p", lead))
        items = [item for item in items if item]
        if items:
            if result.parts and result.parts[-1][0] == "ul":
                result.parts[-1][1].extend(items)  # type: ignore[union-attr]
            else:
                result.parts.append(("ul", items))
    return result


def summarise(text: str, limit: int = 280) -> str:
    """The first sentences of a text, cut at a sentence end before ``limit`` characters."""
    text = _tidy(text)
    if len(text) <= limit:
        return text
    summary = ""
    for sentence in _SENTENCE_END.split(text):
        if len(summary) + len(sentence) + 1 > limit:
            break
        summary = f"{summary} {sentence}".strip()
    return summary or text[: limit - 1].rstrip() + "…"


def parse_medquad_record(data: dict, icd_map: dict[str, list[str]]) -> EntryRecord:
    for key in ("id", "title", "sections"):
        if key not in data:
            raise MalformedRecord(f"missing field {key!r}")
    if not isinstance(data["sections"], list):
        raise MalformedRecord("'sections' is not a list")
    title = _tidy(str(data["title"]))
    if not title:
        raise MalformedRecord("empty title")
    merged: dict[str, list[str]] = {}
    summary = ""
    uses_hpo = False
    for position, section in enumerate(data["sections"], start=1):
        if not isinstance(section, dict) or "answer" not in section:
            raise MalformedRecord(f"section {position} has no answer")
        qtype = str(section.get("qtype") or "information").lower()
        kind = MEDQUAD_QTYPE_TO_SECTION.get(qtype, "overview")
        answer = str(section["answer"])
        uses_hpo = uses_hpo or "Human Phenotype Ontology" in answer
        paragraphs = clean_answer(answer)
        if not paragraphs.parts:
            continue
        if kind == "overview" and not summary:
            summary = summarise(paragraphs.first_text())
        merged.setdefault(kind, []).append(paragraphs.to_html())
    source = str(data.get("source") or "MedQuAD")
    licence = MEDQUAD_LICENCE.format(source=source) + (HPO_ATTRIBUTION if uses_hpo else "")
    synonyms = [_tidy(str(s)) for s in data.get("synonyms") or [] if _tidy(str(s))]
    return EntryRecord(
        source_id=str(data["id"]),
        title=title[:255],
        language="en",
        synonyms=synonyms,
        source_name=f"MedQuAD / {source}",
        source_url=str(data.get("url") or "")[:500],
        licence=licence[:300],
        summary=summary,
        sections=[(kind, "".join(parts)) for kind, parts in merged.items()],
        icd10_codes=icd_map.get(str(data["id"]), []),
    )


def read_medquad(path: Path, icd_map: dict[str, list[str]]) -> Iterator[tuple[int, EntryRecord | MalformedRecord]]:
    """Yield (line number, record or the reason it is malformed) for every non-blank line."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="strict") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise MalformedRecord("line is not a JSON object")
                yield line_number, parse_medquad_record(data, icd_map)
            except json.JSONDecodeError as exc:
                yield line_number, MalformedRecord(f"invalid JSON: {exc.msg} at column {exc.colno}")
            except MalformedRecord as exc:
                yield line_number, exc


@dataclass(frozen=True)
class ICD10Row:
    code_from: str
    code_to: str
    level: int
    name_zh: str


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def read_icd10_blocks(path: Path) -> list[ICD10Row]:
    return [
        ICD10Row(
            row["code_lower_bound"].strip(), row["code_upper_bound"].strip(), int(row["level"]), row["catalog"].strip()
        )
        for row in _read_tsv(path)
    ]


def read_icd10_categories(path: Path) -> list[tuple[str, str]]:
    return [(row["code"].strip(), row["disease"].strip()) for row in _read_tsv(path) if row.get("code")]


def read_icd_map(path: Path) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    text = path.read_text(encoding="utf-8")
    rows = csv.DictReader(
        io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#"))), delimiter="\t"
    )
    for row in rows:
        mapping[row["source_id"].strip()] = [code.strip() for code in row["icd10"].split(",") if code.strip()]
    return mapping
