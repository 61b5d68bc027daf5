"""Reading the Chinese entries the studio writes itself (``data/zh_entries/*.json``).

The ICD-10 tables give the Chinese encyclopedia one page per category but no
text a patient can use; these files give the common conditions real content.
Each file is a list of entries (format: ``ZH_ENTRY_FORMAT`` in the studio's
notes, summarised in :func:`parse_written_entry`). Every entry is checked here
so a bad one is reported with its file and id and skipped, never half-loaded.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ZH_ENTRIES_DIR = Path(__file__).parent / "data" / "zh_entries"
STUDIO_SOURCE_NAME = "科普工作室"
STUDIO_ATTRIBUTION = "本页文字由科普工作室编写，内容依据文末所列的中国临床指南和专家共识；科普工作室原创内容。"

WRITTEN_SECTION_KINDS = (
    "overview",
    "symptoms",
    "causes",
    "risk_factors",
    "diagnosis",
    "treatment",
    "prevention",
    "outlook",
    "complications",
    "stages",
    "living_with",
    "when_to_see_doctor",
)
REQUIRED_SECTION_KINDS = ("overview", "symptoms", "diagnosis", "treatment", "when_to_see_doctor")
ALLOWED_TAGS = frozenset({"p", "ul", "ol", "li", "strong"})
_ID = re.compile(r"^[A-Z][0-9]{2}[+*]?(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://\S+$")


class MalformedEntry(ValueError):
    """An entry (or a whole file) that cannot be loaded; the message says why."""


@dataclass(frozen=True)
class WrittenEntry:
    id: str
    codes: tuple[str, ...]
    title: str
    synonyms: tuple[str, ...]
    summary: str
    sections: tuple[tuple[str, str], ...]  # (section kind, html)
    references: tuple[tuple[str, str], ...]  # (citation, url)
    last_reviewed: datetime.date
    medquad_id: str | None
    file_name: str

    @property
    def primary_code(self) -> str:
        return self.codes[0]

    def fingerprint(self) -> str:
        payload = json.dumps(
            [
                self.id,
                self.codes,
                self.title,
                self.synonyms,
                self.summary,
                self.sections,
                self.references,
                self.last_reviewed.isoformat(),
                self.medquad_id,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


class _MarkupChecker(HTMLParser):
    """Collects what a section's HTML may not contain: other tags, attributes, stray text outside blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed (only {', '.join(sorted(ALLOWED_TAGS))})")
        if attrs:
            self.problems.append(f"<{tag}> has attributes ({', '.join(name for name, _ in attrs)})")
        self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1

    def handle_data(self, data):
        if data.strip() and self.depth <= 0:
            self.problems.append("text outside <p>/<ul>/<ol>")
        self.text.append(data)


def section_text(html: str) -> str:
    checker = _MarkupChecker()
    checker.feed(html)
    checker.close()
    return "".join(checker.text)


def _check_html(html: str, kind: str) -> None:
    checker = _MarkupChecker()
    checker.feed(html)
    checker.close()
    if checker.problems:
        raise MalformedEntry(f"section {kind!r}: {checker.problems[0]}")
    if not "".join(checker.text).strip():
        raise MalformedEntry(f"section {kind!r} has no text")


def _string_list(value, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MalformedEntry(f"{name!r} must be a list of strings")
    return tuple(item.strip() for item in value if item.strip())


def parse_written_entry(data, file_name: str, known_codes: set[str] | None = None) -> WrittenEntry:
    """Validate one entry object and turn it into a :class:`WrittenEntry`."""
    if not isinstance(data, dict):
        raise MalformedEntry("entry is not a JSON object")
    for key in ("id", "icd10", "title", "summary", "sections", "references", "last_reviewed"):
        if key not in data:
            raise MalformedEntry(f"missing field {key!r}")
    entry_id = data["id"]
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        raise MalformedEntry(f"id {entry_id!r} is not an ICD-10 code, optionally followed by -word")
    codes = _string_list(data["icd10"], "icd10")
    if not codes:
        raise MalformedEntry("'icd10' is empty")
    if not entry_id.startswith(codes[0]):
        raise MalformedEntry(f"id {entry_id!r} does not start with its primary code {codes[0]!r}")
    if known_codes is not None:
        unknown = [code for code in codes if code not in known_codes]
        if unknown:
            raise MalformedEntry(f"ICD-10 code(s) {', '.join(unknown)} are not ICD-10 categories")
    title = data["title"].strip() if isinstance(data["title"], str) else ""
    summary = data["summary"].strip() if isinstance(data["summary"], str) else ""
    if not title or len(title) > 255:
        raise MalformedEntry("'title' must be a non-empty string of at most 255 characters")
    if not summary:
        raise MalformedEntry("'summary' must be a non-empty string")
    synonyms = _string_list(data.get("synonyms", []), "synonyms")

    if not isinstance(data["sections"], list):
        raise MalformedEntry("'sections' must be a list")
    sections = []
    for position, section in enumerate(data["sections"], start=1):
        if (
            not isinstance(section, dict)
            or not isinstance(section.get("kind"), str)
            or not isinstance(section.get("html"), str)
        ):
            raise MalformedEntry(f"section {position} needs a 'kind' and an 'html' string")
        kind = section["kind"]
        if kind not in WRITTEN_SECTION_KINDS:
            raise MalformedEntry(f"section {position}: unknown kind {kind!r}")
        if any(kind == seen for seen, _html in sections):
            raise MalformedEntry(f"section kind {kind!r} appears twice")
        _check_html(section["html"], kind)
        sections.append((kind, section["html"].strip()))
    kinds = {kind for kind, _html in sections}
    missing = [kind for kind in REQUIRED_SECTION_KINDS if kind not in kinds]
    if not kinds & {"causes", "risk_factors"}:
        missing.append("causes or risk_factors")
    if missing:
        raise MalformedEntry(f"missing section(s): {', '.join(missing)}")

    if not isinstance(data["references"], list) or not data["references"]:
        raise MalformedEntry("'references' must list at least one guideline or consensus")
    references = []
    for position, reference in enumerate(data["references"], start=1):
        citation = reference.get("citation") if isinstance(reference, dict) else None
        url = (reference.get("url") or "") if isinstance(reference, dict) else ""
        if not isinstance(citation, str) or not citation.strip():
            raise MalformedEntry(f"reference {position} has no citation")
        if not isinstance(url, str) or (url and not _URL.match(url)):
            raise MalformedEntry(f"reference {position}: url {url!r} is not an http(s) address")
        references.append((citation.strip(), url))

    try:
        last_reviewed = datetime.date.fromisoformat(str(data["last_reviewed"]))
    except ValueError:
        raise MalformedEntry(f"last_reviewed {data['last_reviewed']!r} is not a date (YYYY-MM-DD)") from None
    medquad_id = data.get("medquad_id")
    if medquad_id is not None and (not isinstance(medquad_id, str) or not medquad_id.strip()):
        raise MalformedEntry("'medquad_id' must be a MedQuAD id or null")
    return WrittenEntry(
        id=entry_id,
        codes=codes,
        title=title,
        synonyms=synonyms,
        summary=summary,
        sections=tuple(sections),
        references=tuple(references),
        last_reviewed=last_reviewed,
        medquad_id=medquad_id.strip() if medquad_id else None,
        file_name=file_name,
    )


def read_written_entries(
    folder: Path,
    known_codes: set[str] | None = None,
) -> Iterator[tuple[str, str, WrittenEntry | MalformedEntry]]:
    """Yield (file name, entry id, entry or the reason it is skipped) for every entry in every file.

    A file that cannot be read at all is reported once, with an empty id.

    Files are read in name order; an id seen before (in any file) is a
    duplicate and is skipped, so an id always means the same entry.
    """
    seen: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield path.name, "", MalformedEntry(f"file is not valid UTF-8 JSON: {exc}")
            continue
        if not isinstance(items, list):
            yield path.name, "", MalformedEntry("file must hold a JSON list of entries")
            continue
        for position, item in enumerate(items, start=1):
            entry_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{position}"
            if entry_id in seen:
                yield path.name, entry_id, MalformedEntry(f"duplicate id (first in {seen[entry_id]})")
                continue
            try:
                entry = parse_written_entry(item, path.name, known_codes)
            except MalformedEntry as exc:
                yield path.name, entry_id, exc
                continue
            seen[entry_id] = path.name
            yield path.name, entry_id, entry
