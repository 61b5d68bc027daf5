"""Health-claim check (rules + statistical layer): precision/recall per slice, false alarms on the encyclopedia.

Run: .venv/bin/python benchmarks/bench_claims.py [--data ../shared/data] [--medquad-limit N]

Slices (tests/data/claims/, see its README for the blind protocol):
  development  dev.tsv, the sentences rules and model were written and trained on;
  blind_*      frozen slices written before the rules were read: only their totals
               are printed, never which sentences were missed.
Encyclopedia: every sentence of every MedQuAD answer and of the studio's Chinese
entries, each entry checked as one article, as an editor would submit it; a flagged
sentence there is a false alarm. Five Chinese entry files lent their sentences to the
development corpus and every 25th MedQuAD record up to 1,500 sentences to training;
the rest is reported separately as unseen.
Throughput is sentences per second through the whole check, next to rules alone.
A sentence counts as flagged when the check reports a warning or an error for it.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cms.core.documents import ArticleDocument, DocumentBlock  # noqa: E402
from cms.moderation.checks import CheckConfig, HealthClaimCheck  # noqa: E402
from cms.moderation.checks.claim_corpus import BACKGROUND_EVERY, read_corpus  # noqa: E402
from cms.moderation.checks.document_text import split_sentences  # noqa: E402

CORPUS_DIR = ROOT / "tests" / "data" / "claims"
ZH_ENTRIES = ROOT / "cms" / "encyclopedia" / "data" / "zh_entries"
DEVELOPMENT_ENTRY_FILES = 5  # the first five files (sorted) lent sentences to dev.tsv
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def document_of(text: str, language: str) -> ArticleDocument:
    code = "zh-hans" if language == "zh" else "en"
    return ArticleDocument(title="", language=code, blocks=(DocumentBlock("paragraph", text=text),))


def flagged_sentences(text: str, language: str, config: CheckConfig) -> set[str]:
    return {
        finding.data["sentence"]
        for finding in HealthClaimCheck()(document_of(text, language), config)
        if finding.severity != "info"
    }


def plain(markup: str) -> str:
    return _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", markup))).strip()


def score_slice(path: Path, config: CheckConfig) -> dict[str, float]:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for sentence in read_corpus(path):
        predicted = bool(flagged_sentences(sentence.text, sentence.language, config))
        key = {(True, True): "tp", (True, False): "fp", (False, True): "fn", (False, False): "tn"}
        counts[key[(predicted, sentence.violation)]] += 1
    tp, fp, fn, tn = counts["tp"], counts["fp"], counts["fn"], counts["tn"]
    return {
        **counts,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "false_alarms": fp / (fp + tn) if fp + tn else 0.0,
    }


def encyclopedia_texts(data_dir: Path, medquad_limit: int | None) -> dict[str, list[tuple[str, str]]]:
    """(text, language) per checked article, grouped: MedQuAD, Chinese entries seen by dev.tsv, unseen ones."""
    groups: dict[str, list[tuple[str, str]]] = {
        "medquad_training": [],
        "medquad_unseen": [],
        "zh_entries_dev": [],
        "zh_entries_unseen": [],
    }
    medquad = data_dir / "medquad" / "medquad.jsonl.gz"
    if medquad.exists():
        with gzip.open(medquad, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if medquad_limit is not None and number >= medquad_limit:
                    break
                record = json.loads(line)
                for section in record.get("sections", []):
                    answer = _SPACES.sub(" ", section.get("answer") or "").strip()
                    if answer:
                        group = "medquad_unseen" if number % BACKGROUND_EVERY else "medquad_training"
                        groups[group].append((answer, "en"))
    for number, path in enumerate(sorted(ZH_ENTRIES.glob("*.json"))):
        group = "zh_entries_dev" if number < DEVELOPMENT_ENTRY_FILES else "zh_entries_unseen"
        for entry in json.loads(path.read_text(encoding="utf-8")):
            parts = [entry.get("summary", "")] + [section.get("html", "") for section in entry.get("sections", [])]
            for part in parts:
                text = plain(part)
                if text:
                    groups[group].append((text, "zh"))
    return groups


def false_alarms(texts: list[tuple[str, str]], config: CheckConfig) -> tuple[int, int, float]:
    sentences = flagged = 0
    started = time.perf_counter()
    for text, language in texts:
        sentences += sum(1 for sentence in split_sentences(text) if sentence.text.strip())
        flagged += len(flagged_sentences(text, language, config))
    return flagged, sentences, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("KEPU_DATA_DIR", ROOT.parent / "shared" / "data"))
    )
    parser.add_argument("--medquad-limit", type=int, help="only the first N MedQuAD records (quick runs)")
    arguments = parser.parse_args()
    config = CheckConfig()
    rules_only = replace(config, use_claim_model=False)
    model = config.model
    print(
        f"Claim rules {config.rules.version} ({len(config.rules.rules)} rules, fingerprint {config.rules.fingerprint});"
        f" model {model.version if model else 'none'} (thresholds {dict(model.thresholds) if model else {}})"
    )

    print(f"\n  {'slice':22} {'n':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4}  precision  recall  false alarms")
    slices = [CORPUS_DIR / "dev.tsv"] + sorted(CORPUS_DIR.glob("blind_*.tsv"))
    for path in slices:
        for label, slice_config in (("rules + model", config), ("rules only", rules_only)):
            result = score_slice(path, slice_config)
            n = result["tp"] + result["fp"] + result["fn"] + result["tn"]
            print(
                f"  {path.stem + ' ' + label:22} {n:5} {result['tp']:4} {result['fp']:4} {result['fn']:4} {result['tn']:4}"
                f"  {result['precision']:9.3f}  {result['recall']:6.3f}  {result['false_alarms']:11.3%}"
            )

    groups = encyclopedia_texts(arguments.data, arguments.medquad_limit)
    print("\nFalse alarms on the encyclopedia (every sentence is legitimate patient education):")
    total_flagged = total_sentences = 0
    total_seconds = 0.0
    for name, texts in groups.items():
        if not texts:
            print(f"  {name:18} (not found)")
            continue
        flagged, sentences, seconds = false_alarms(texts, config)
        total_flagged, total_sentences, total_seconds = (
            total_flagged + flagged,
            total_sentences + sentences,
            total_seconds + seconds,
        )
        print(
            f"  {name:18} {flagged:5} of {sentences:7} sentences = {flagged / sentences:.3%}  ({sentences / seconds:,.0f} sentences/s)"
        )
    if total_sentences:
        print(
            f"  {'all':18} {total_flagged:5} of {total_sentences:7} sentences = {total_flagged / total_sentences:.3%}"
        )
        sample = [item for texts in groups.values() for item in texts[:400]]
        _flagged, sample_sentences, rule_seconds = false_alarms(sample, rules_only)
        print(
            f"\nThroughput: rules + model {total_sentences / total_seconds:,.0f} sentences/s;"
            f" rules only {sample_sentences / rule_seconds:,.0f} sentences/s (baseline, same check without the model)"
        )


if __name__ == "__main__":
    main()
