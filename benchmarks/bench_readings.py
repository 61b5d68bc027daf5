"""Chinese readings benchmark: share of syllables espeak-ng says as expected, before and after pinyin input.

Run: python benchmarks/bench_readings.py   (espeak-ng, offline; a few seconds)

The corpus is ``tests/data/zh_readings.tsv`` (and a held-out
``zh_readings_heldout.tsv``, written after the rules were settled): patient-education sentences
full of polyphones (量, 血, 重, 行, 长, 还, 得, 着 ...), tone sandhi (一, 不,
third-tone pairs) and numbers with units, each with the expected reading
(tone-numbered pinyin, sandhi applied, 5 = neutral).

Both sides are measured the same way, from what espeak-ng itself says:
its phoneme output (``espeak-ng -x``) is mapped back to pinyin syllables
with a table built from espeak reading every syllable. "Before" is what the
pipeline sent until now (the speech text, numbers already in words, as
Chinese characters to the ``cmn-latn-pinyin`` voice); "after" is the same
speech text turned into tone-numbered pinyin by the studio, without and with
the starter pronunciation lexicon (the one the data migration installs).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kepu.settings.test")

from media_pipeline.speech.readings import PronunciationLexicon, matching_syllables, to_tone_pinyin  # noqa: E402
from media_pipeline.speech.spoken_text import to_spoken_text  # noqa: E402
from media_pipeline.tts.espeak import EspeakEngine  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
CORPUS = DATA / "zh_readings.tsv"
#: written after the rules and the starter lexicon were settled, and never used to tune them
HELD_OUT = DATA / "zh_readings_heldout.tsv"


def load_corpus(path: Path = CORPUS) -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            case_id, text, expected = line.split("\t")
            rows.append((case_id, text, expected.split()))
    return rows


def starter_lexicon() -> PronunciationLexicon:
    seed = importlib.import_module("media_pipeline.migrations.0004_seed_pronunciations")
    return PronunciationLexicon.from_pairs((term, reading) for term, reading, _note in seed.STARTER)


def measure(engine: EspeakEngine, path: Path, lexicon: PronunciationLexicon) -> list[str]:
    """Print the shares for the corpus at ``path``; return the sentences still misread after."""
    corpus = load_corpus(path)
    total = sum(len(expected) for _, _, expected in corpus)
    ways = {
        "before: characters to espeak": lambda spoken: spoken,
        "after: pinyin, no lexicon": lambda spoken: to_tone_pinyin(spoken),
        "after: pinyin + starter lexicon": lambda spoken: to_tone_pinyin(spoken, lexicon),
    }
    print(f"{len(corpus)} sentences, {total} syllables ({path.name})")
    misses: dict[str, list[str]] = {}
    for label, prepare in ways.items():
        started = time.perf_counter()
        matched = 0
        misses[label] = []
        for case_id, text, expected in corpus:
            heard = engine.heard_syllables(prepare(to_spoken_text(text, "zh")))
            hits = matching_syllables(expected, heard)
            matched += hits
            if hits < len(expected):
                misses[label].append(
                    f"{case_id} {text}\n      expected {' '.join(expected)}\n      heard    {' '.join(heard)}"
                )
        elapsed = time.perf_counter() - started
        print(
            f"  {label:34s} {matched:5d}/{total} = {100 * matched / total:5.1f} %   "
            f"({len(misses[label])} sentences with a miss, {elapsed:.1f} s)"
        )
    return misses["after: pinyin + starter lexicon"]


def main() -> int:
    engine = EspeakEngine()
    lexicon = starter_lexicon()
    for path in (CORPUS, HELD_OUT):
        misses = measure(engine, path, lexicon)
        print(f"\n{path.name}: sentences still read differently after (pinyin + starter lexicon):")
        for miss in misses:
            print("  " + miss)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
