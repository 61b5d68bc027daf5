"""The ~3,500 most common Chinese characters, for the reading-level check.

The official list (《通用规范汉字表》一级字表, 3,500 characters) is not
available offline, so ``rules/common_hanzi_3500.txt`` approximates it: every
Han character in jieba's dictionary (``jieba/dict.txt``, ~350,000 words with
corpus frequencies) is weighted by the summed frequency of the words it appears
in, and the 3,500 heaviest are kept. Word-frequency weighting favours
characters of everyday vocabulary, which is what the official first-level list
was built from; it differs from it at the margin (some rare-but-official
characters are missing, some names and technical characters are in).

Regenerate with ``python -m cms.moderation.checks.common_hanzi``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

COMMON_HANZI_PATH = Path(__file__).with_name("rules") / "common_hanzi_3500.txt"
COMMON_HANZI_COUNT = 3500
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CHARACTERS_PER_LINE = 50


def jieba_dictionary_path() -> Path:
    import jieba  # only needed to regenerate the list

    return Path(jieba.__file__).with_name("dict.txt")


def rank_characters_by_word_frequency(dictionary: Path, count: int = COMMON_HANZI_COUNT) -> list[str]:
    """The ``count`` Han characters with the highest summed word frequency in a jieba-format dictionary."""
    weights: Counter[str] = Counter()
    with dictionary.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            parts = line.split()
            if len(parts) < 2:
                continue
            try:
                frequency = int(parts[1])
            except ValueError as error:
                raise ValueError(f"{dictionary}:{number}: frequency is not an integer: {line.strip()!r}") from error
            for character in _HAN.findall(parts[0]):
                weights[character] += frequency
    # Ties broken by code point so the list is reproducible.
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return [character for character, _ in ranked[:count]]


def render_list(characters: list[str], source: Path) -> str:
    header = [
        f"# {len(characters)} common Chinese characters, most frequent first.",
        "# Approximates 《通用规范汉字表》一级字表: Han characters of jieba's dict.txt",
        "# weighted by the summed frequency of the words containing them (see common_hanzi.py).",
        f"# Source: jieba {source.name}; regenerate: python -m cms.moderation.checks.common_hanzi",
    ]
    rows = [
        "".join(characters[start : start + _CHARACTERS_PER_LINE])
        for start in range(0, len(characters), _CHARACTERS_PER_LINE)
    ]
    return "\n".join(header + rows) + "\n"


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    lines = COMMON_HANZI_PATH.read_text(encoding="utf-8").splitlines()
    characters = "".join(line.strip() for line in lines if not line.startswith("#"))
    if len(characters) != COMMON_HANZI_COUNT or len(set(characters)) != COMMON_HANZI_COUNT:
        raise RuntimeError(f"{COMMON_HANZI_PATH} is corrupt: expected {COMMON_HANZI_COUNT} distinct characters")
    return frozenset(characters)


def main() -> None:
    source = jieba_dictionary_path()
    COMMON_HANZI_PATH.write_text(render_list(rank_characters_by_word_frequency(source), source), encoding="utf-8")
    print(f"wrote {COMMON_HANZI_COUNT} characters to {COMMON_HANZI_PATH}")


if __name__ == "__main__":
    main()
