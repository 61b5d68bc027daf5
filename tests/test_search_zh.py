"""The words people type: the Chinese medical lexicon, exact-name ranking, pinyin and the other language.

Recall is measured through the public search page over every ICD-10 category, on the two halves of
the query list in tests/data: the development half (the lexicon may be tuned on it) and the held-out
half (written before the lexicon, never edited).
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
RESULT = re.compile(r'<li lang="(?P<lang>[^"]+)">\s*<h2><a href="[^"]*">(?P<title>[^<]*)</a>(?P<rest>.*?)</li>', re.S)
CODES = re.compile(r'<span class="codes">ICD-10 (?P<codes>[^<]*)</span>')
# Floors under the top-3 hit rates measured when the lexicon was written (see the report in the
# commit message); a drop below them means the lexicon, segmentation or ranking got worse.
DEV_FLOOR = 0.95
HELDOUT_FLOOR = 0.85


def read_queries(name: str) -> list[tuple[str, set[str]]]:
    lines = [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [(row["query"], set(row["codes"].split(","))) for row in csv.DictReader(lines, delimiter="\t")]


def results(client, query: str, **params) -> list[dict]:
    """The search page's results in order: title, lang attribute and ICD-10 codes."""
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    found = []
    for match in RESULT.finditer(response.content.decode()):
        codes = CODES.search(match["rest"])
        found.append({"title": html.unescape(match["title"]).strip(), "lang": match["lang"],
                      "codes": {code.strip() for code in codes["codes"].split(",")} if codes else set()})
    return found


def top3_hit(client, query: str, expected: set[str]) -> bool:
    chinese = [result for result in results(client, query, type="entries") if result["lang"] == "zh-Hans"]
    return any(result["codes"] & expected for result in chinese[:3])


def recall(client, name: str) -> tuple[float, list[str]]:
    queries = read_queries(name)
    misses = [query for query, expected in queries if not top3_hit(client, query, expected)]
    return 1 - len(misses) / len(queries), misses


def test_query_lists_are_large_and_disjoint():
    dev, heldout = read_queries("search_queries_dev.tsv"), read_queries("search_queries_heldout.tsv")
    assert len(dev) >= 100 and len(heldout) >= 100
    assert not {query for query, _ in dev} & {query for query, _ in heldout}


@pytest.mark.django_db
def test_top3_recall_on_both_halves_of_the_query_list(client, full_encyclopedia, capsys):
    dev, dev_misses = recall(client, "search_queries_dev.tsv")
    heldout, heldout_misses = recall(client, "search_queries_heldout.tsv")
    with capsys.disabled():
        print(f"\ntop-3 recall: dev {dev:.1%} (misses: {'、'.join(dev_misses) or '-'}); "
              f"held-out {heldout:.1%} (misses: {'、'.join(heldout_misses) or '-'})")
    assert dev >= DEV_FLOOR, dev_misses
    assert heldout >= HELDOUT_FLOOR, heldout_misses
