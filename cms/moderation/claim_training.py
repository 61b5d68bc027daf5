"""Training of the claim check's statistical layer (scikit-learn), wrapped by ``manage.py train_claim_model``.

scikit-learn fits the two logistic regressions; what is written is plain JSON that
:class:`~cms.moderation.checks.claim_model.ClaimModel` reads without scikit-learn.
Thresholds are chosen on out-of-fold probabilities, together with the rules: a
language's threshold is the lowest probability at which the rules *plus* the model
still raise no more than ``max_false_alarm_rate`` false alarms on the legitimate
sentences, and never below ``min_threshold``.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence

from .checks.claim_corpus import LabelledSentence
from .checks.claim_model import MODEL_FORMAT, char_ngrams
from .checks.claim_rules import ClaimRuleSet

MAX_FEATURES = 6000


def flagged_by_rules(rules: ClaimRuleSet, text: str) -> bool:
    return any(
        match.rule.severity != "info" for language in ("zh", "en") for match in rules.match_sentence(text, language)
    )


def train_claim_model(
    sentences: Sequence[LabelledSentence],
    rules: ClaimRuleSet,
    *,
    version: str,
    max_false_alarm_rate: float = 0.01,
    min_threshold: float = 0.5,
    folds: int = 5,
) -> dict:
    """Fit the binary and the category model on ``sentences``; returns the JSON data of the model file."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    if len({sentence.violation for sentence in sentences}) < 2:
        raise ValueError("training needs both violations and legitimate sentences")
    texts = [sentence.text for sentence in sentences]
    labels = [int(sentence.violation) for sentence in sentences]
    vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=2, max_features=MAX_FEATURES)
    matrix = vectorizer.fit_transform(texts)
    binary = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    binary.fit(matrix, labels)

    # Out-of-fold probabilities: what the model says about sentences it was not trained on.
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=16)
    out_of_fold = cross_val_predict(
        LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000),
        matrix,
        labels,
        cv=splitter,
        method="predict_proba",
    )[:, 1]
    by_rules = [flagged_by_rules(rules, text) for text in texts]
    thresholds = {}
    for language in ("zh", "en"):
        legitimate = [
            (probability, rule_flag)
            for sentence, probability, rule_flag in zip(sentences, out_of_fold, by_rules, strict=True)
            if sentence.language == language and not sentence.violation
        ]
        thresholds[language] = _threshold(legitimate, max_false_alarm_rate, min_threshold)

    violations = [index for index, sentence in enumerate(sentences) if sentence.violation]
    categories = sorted({sentences[index].category for index in violations})
    category_model = LogisticRegression(C=4.0, max_iter=2000)
    category_model.fit(matrix[violations], [sentences[index].category for index in violations])
    category_weights = [
        [[int(feature), round(float(weight), 4)] for feature, weight in enumerate(row) if abs(weight) >= 0.01]
        for row in category_model.coef_
    ]
    features = [None] * len(vectorizer.vocabulary_)
    for ngram, index in vectorizer.vocabulary_.items():
        features[index] = ngram
    corpus_hash = hashlib.sha256(
        "\n".join(f"{label}\t{text}" for label, text in zip(labels, texts, strict=True)).encode()
    ).hexdigest()
    return {
        "format": MODEL_FORMAT,
        "version": version,
        "features": features,
        "idf": [round(float(value), 5) for value in vectorizer.idf_],
        "coefficients": [round(float(value), 5) for value in binary.coef_[0]],
        "intercept": round(float(binary.intercept_[0]), 5),
        "categories": [str(name) for name in category_model.classes_],
        "category_coefficients": category_weights,
        "category_intercepts": [round(float(value), 4) for value in category_model.intercept_],
        "thresholds": thresholds,
        "trained_on": {
            "sentences": len(sentences),
            "violations": len(violations),
            "categories": categories,
            "corpus_sha256": corpus_hash[:16],
            "rules_fingerprint": rules.fingerprint,
            "trained_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }


def _threshold(legitimate: list[tuple[float, bool]], max_false_alarm_rate: float, min_threshold: float) -> float:
    if not legitimate:
        return 1.0
    allowed = int(max_false_alarm_rate * len(legitimate))
    rule_alarms = sum(rule_flag for _probability, rule_flag in legitimate)
    # Sentences only the model would flag, most confident first.
    model_only = sorted((probability for probability, rule_flag in legitimate if not rule_flag), reverse=True)
    budget = max(0, allowed - rule_alarms)
    if budget >= len(model_only):
        return round(float(min_threshold), 4)
    # Just above the (budget+1)-th highest legitimate probability.
    return round(float(max(min_threshold, model_only[budget] + 1e-4)), 4)
