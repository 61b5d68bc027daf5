"""The studio's Chinese medical lexicon: the names people type, mapped to ICD-10 categories.

ICD-10 titles are the coder's names (脑内出血, 肝和肝内胆管恶性肿瘤); patients and doctors
search for 脑出血 and 肝癌. The lexicon (``data/zh_medical_lexicon.tsv``) gives each ICD-10
entry those names as synonyms at import, and gives jieba the same words so they stay whole
when text and queries are cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).parent / "data" / "zh_medical_lexicon.tsv"
KINDS = {"common", "abbreviation", "lay", "older", "synonym", "variant"}


@dataclass(frozen=True)
class Term:
    name: str
    codes: tuple[str, ...]
    kind: str


class LexiconError(ValueError):
    pass


def read_lexicon(path: Path = LEXICON_PATH) -> list[Term]:
    """Rows of the lexicon file; a malformed row is an error naming its line (the file is curated)."""
    terms: list[Term] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#") or line.startswith("term\t"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise LexiconError(f"{path.name} line {number}: expected term, codes and kind separated by tabs")
            name, codes, kind = (part.strip() for part in parts)
            code_list = tuple(code.strip() for code in codes.split(",") if code.strip())
            if not name or not code_list or kind not in KINDS:
                raise LexiconError(f"{path.name} line {number}: empty term or codes, or unknown kind {kind!r}")
            if name in seen:
                raise LexiconError(f"{path.name} line {number}: {name} is listed twice")
            seen.add(name)
            terms.append(Term(name, code_list, kind))
    return terms


@lru_cache(maxsize=1)
def lexicon() -> tuple[Term, ...]:
    return tuple(read_lexicon())


@lru_cache(maxsize=1)
def _names_by_code() -> dict[str, tuple[str, ...]]:
    by_code: dict[str, list[str]] = {}
    for term in lexicon():
        for code in term.codes:
            by_code.setdefault(code, []).append(term.name)
    return {code: tuple(names) for code, names in by_code.items()}


def names_for(code: str) -> list[str]:
    """The lexicon's names for one ICD-10 category ('I61' → ['脑出血', '脑溢血', …]), in file order."""
    return list(_names_by_code().get(code.rstrip("+*"), ()))


def words() -> list[str]:
    """Every name, for jieba's user dictionary."""
    return [term.name for term in lexicon()]
