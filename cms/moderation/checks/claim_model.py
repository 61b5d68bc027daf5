"""The statistical layer of the claim check: character n-grams and logistic regression, read from plain JSON.

Rules catch the wording someone thought of; this layer catches sentences that
*read like* advertising claims without using a listed phrase ("住了两周，老胃病就好了").
It is trained by ``manage.py train_claim_model`` (scikit-learn) on the labelled
development corpus and the examples editors' decisions left, and shipped as
``rules/claim_model.json``: vocabulary, idf weights and coefficients only, so
loading it executes nothing and inference needs no scikit-learn.

Two models share the features: a binary one (is this an advertising claim?) and
a multinomial one (which category?), whose category picks the rule text (clause,
explanation, suggested rewording) the finding shows.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_MODEL_PATH = Path(__file__).with_name("rules") / "claim_model.json"
MODEL_FORMAT = "kepu-claim-model/1"
NGRAM_RANGE = (1, 3)
_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_SPACES = re.compile(r"\s+")


class ClaimModelError(ValueError):
    """The model file is missing, malformed or of another format."""


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, every number as "0", single spaces: what the n-grams see."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub(" ", _DIGITS.sub("0", text)).strip()


def char_ngrams(text: str) -> list[str]:
    """Character n-grams of the normalised sentence; the analyzer of both training and inference."""
    text = normalise(text)
    low, high = NGRAM_RANGE
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


@dataclass(frozen=True)
class ClaimModel:
    version: str
    vocabulary: Mapping[str, int]
    idf: tuple[float, ...]
    coefficients: tuple[float, ...]
    intercept: float
    categories: tuple[str, ...]
    category_coefficients: Mapping[int, tuple[tuple[int, float], ...]]  # feature -> ((category index, weight), ...)
    category_intercepts: tuple[float, ...]
    thresholds: Mapping[str, float]  # per rule language: probability from which a sentence is flagged
    trained_on: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json_data(cls, raw: Mapping[str, Any]) -> ClaimModel:
        if not isinstance(raw, Mapping) or raw.get("format") != MODEL_FORMAT:
            raise ClaimModelError(f"not a claim model file (expected format {MODEL_FORMAT!r})")
        try:
            features = raw["features"]
            vocabulary = {ngram: index for index, ngram in enumerate(features)}
            idf = tuple(float(value) for value in raw["idf"])
            coefficients = tuple(float(value) for value in raw["coefficients"])
            categories = tuple(str(name) for name in raw["categories"])
            category_coefficients: dict[int, list[tuple[int, float]]] = {}
            for category_index, weights in enumerate(raw["category_coefficients"]):
                for feature, weight in weights:
                    category_coefficients.setdefault(int(feature), []).append((category_index, float(weight)))
            model = cls(
                version=str(raw["version"]),
                vocabulary=vocabulary,
                idf=idf,
                coefficients=coefficients,
                intercept=float(raw["intercept"]),
                categories=categories,
                category_coefficients={key: tuple(value) for key, value in category_coefficients.items()},
                category_intercepts=tuple(float(value) for value in raw["category_intercepts"]),
                thresholds={str(key): float(value) for key, value in raw["thresholds"].items()},
                trained_on=dict(raw.get("trained_on") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ClaimModelError(f"malformed claim model: {error!r}") from error
        if not (len(idf) == len(coefficients) == len(vocabulary)):
            raise ClaimModelError("malformed claim model: features, idf and coefficients differ in length")
        if len(model.category_intercepts) != len(categories):
            raise ClaimModelError("malformed claim model: one intercept per category expected")
        return model

    @classmethod
    def from_json_file(cls, path: Path) -> ClaimModel:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ClaimModelError(f"cannot read claim model from {path}: {error}") from error
        return cls.from_json_data(raw)

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps([self.version, self.intercept, self.thresholds, len(self.vocabulary)], sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def _features(self, sentence: str) -> dict[int, float]:
        counts = Counter(index for ngram in char_ngrams(sentence) if (index := self.vocabulary.get(ngram)) is not None)
        weights = {index: (1.0 + math.log(count)) * self.idf[index] for index, count in counts.items()}
        norm = math.sqrt(sum(value * value for value in weights.values()))
        return {index: value / norm for index, value in weights.items()} if norm else {}

    def probability(self, sentence: str) -> float:
        """How likely the sentence is an advertising claim, 0..1."""
        features = self._features(sentence)
        score = self.intercept + sum(self.coefficients[index] * value for index, value in features.items())
        return 1.0 / (1.0 + math.exp(-score)) if score > -60 else 0.0

    def assess(self, sentence: str, language: str) -> ModelVerdict | None:
        """The verdict when the sentence reaches the language's threshold, else None."""
        features = self._features(sentence)
        score = self.intercept + sum(self.coefficients[index] * value for index, value in features.items())
        probability = 1.0 / (1.0 + math.exp(-score)) if score > -60 else 0.0
        if probability < self.thresholds.get(language, 1.0):
            return None
        scores = list(self.category_intercepts)
        for index, value in features.items():
            for category_index, weight in self.category_coefficients.get(index, ()):
                scores[category_index] += weight * value
        best = max(range(len(scores)), key=scores.__getitem__)
        return ModelVerdict(probability=probability, category=self.categories[best])


@dataclass(frozen=True)
class ModelVerdict:
    probability: float
    category: str


@lru_cache(maxsize=1)
def default_claim_model() -> ClaimModel:
    """The model shipped with the code (``rules/claim_model.json``)."""
    return ClaimModel.from_json_file(DEFAULT_MODEL_PATH)
