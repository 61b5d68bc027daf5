"""Check: wording that the Advertising Law forbids in medical, drug and supplement advertising.

Patient education is not advertising, but the 《互联网广告管理办法》 treats
health-knowledge content that promotes a treatment or product as a disguised
advertisement, so the same wording is flagged here for the reviewer.

Rules run first; a sentence no rule matched goes to the statistical layer
(:mod:`.claim_model`), whose finding borrows the clause, explanation and
suggested rewording of a rule of the category it recognised.
"""

from __future__ import annotations

import re

from cms.core.documents import ArticleDocument

from .check_interface import finding_in_segment
from .claim_model import ModelVerdict
from .claim_rules import RULE_LANGUAGES, ClaimMatch, ClaimRule, ClaimRuleSet, RuleLanguage
from .config import CheckConfig
from .document_text import split_sentences, text_segments
from .findings import Finding

_CHECKED_ROLES = frozenset({"title", "summary", "heading", "body", "question", "caption"})
_HAN = re.compile(r"[\u4e00-\u9fff]")
# The model judges sentences, not fragments: below this length a list item or a slogan is the rules' job.
MODEL_MIN_HAN_CHARACTERS = 10
MODEL_MIN_ENGLISH_WORDS = 6


class HealthClaimCheck:
    name = "health_claims"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        rules = config.rules
        model = config.model
        findings: list[Finding] = []
        for segment in text_segments(document):
            if segment.role not in _CHECKED_ROLES:
                continue
            if segment.role == "question" and config.claims_skip_patient_questions:
                continue
            for sentence in split_sentences(segment.text):
                # Both languages on every sentence: Chinese articles quote English claims and vice versa;
                # a rule only matches text in its own script.
                found_before = len(findings)
                for language in RULE_LANGUAGES:
                    for match in rules.match_sentence(sentence.text, language):
                        start = sentence.start + match.start
                        findings.append(
                            finding_in_segment(
                                check=self.name,
                                severity=config.severity_for(
                                    match.rule.severity, match.rule.id, match.rule.category, self.name
                                ),
                                segment=segment,
                                start=start,
                                end=start + len(match.text),
                                message_zh=_message_zh(match),
                                message_en=_message_en(match),
                                rule_id=match.rule.id,
                                excerpt=match.text,
                                data={
                                    "category": match.rule.category,
                                    "legal_basis": match.rule.legal_basis,
                                    "sentence": sentence.text,
                                },
                            )
                        )
                if model is None or len(findings) > found_before:
                    continue
                language = sentence_language(sentence.text)
                if not long_enough_for_model(sentence.text, language):
                    continue
                verdict = model.assess(sentence.text, language)
                rule = rule_for_category(rules, verdict.category, language) if verdict else None
                if verdict is None or rule is None:
                    continue
                findings.append(
                    finding_in_segment(
                        check=self.name,
                        severity=config.severity_for(config.claim_model_severity, "model", verdict.category, self.name),
                        segment=segment,
                        start=sentence.start,
                        end=sentence.start + len(sentence.text),
                        message_zh=_model_message_zh(verdict, rule),
                        message_en=_model_message_en(verdict, rule),
                        rule_id=f"model.{verdict.category}",
                        excerpt=sentence.text,
                        data={
                            "category": verdict.category,
                            "legal_basis": rule.legal_basis,
                            "sentence": sentence.text,
                            "probability": round(verdict.probability, 3),
                            "model_version": model.version,
                        },
                    )
                )
        return findings


def sentence_language(text: str) -> RuleLanguage:
    """Chinese when the sentence has Han characters, else English: the script decides, not the article."""
    return "zh" if _HAN.search(text) else "en"


def long_enough_for_model(text: str, language: RuleLanguage) -> bool:
    if language == "zh":
        return len(_HAN.findall(text)) >= MODEL_MIN_HAN_CHARACTERS
    return len(text.split()) >= MODEL_MIN_ENGLISH_WORDS


def rule_for_category(rules: ClaimRuleSet, category: str, language: RuleLanguage) -> ClaimRule | None:
    """The first enabled rule of that category and language: its clause and wording explain a model finding."""
    candidates = [rule for rule in rules.rules if rule.enabled and rule.category == category]
    return next((rule for rule in candidates if rule.language == language), candidates[0] if candidates else None)


def _model_message_zh(verdict: ModelVerdict, rule: ClaimRule) -> str:
    message = (
        f"这句话的写法与违规健康广告语相似（统计模型判断，把握 {verdict.probability:.0%}）："
        f"{rule.explanation_zh}（依据：{rule.legal_basis}）"
    )
    return f"{message}建议：{rule.suggestion_zh}" if rule.suggestion_zh else message


def _model_message_en(verdict: ModelVerdict, rule: ClaimRule) -> str:
    message = (
        f"This sentence reads like a prohibited health-advertising claim (statistical model, {verdict.probability:.0%} "
        f"confident): {rule.explanation_en} (Basis: {rule.legal_basis_en or rule.legal_basis})"
    )
    return f"{message} Suggestion: {rule.suggestion_en}" if rule.suggestion_en else message


def _message_zh(match: ClaimMatch) -> str:
    rule = match.rule
    message = f"“{match.text}”：{rule.explanation_zh}（依据：{rule.legal_basis}）"
    return f"{message}建议：{rule.suggestion_zh}" if rule.suggestion_zh else message


def _message_en(match: ClaimMatch) -> str:
    rule = match.rule
    message = f"\u201c{match.text}\u201d: {rule.explanation_en} (Basis: {rule.legal_basis_en or rule.legal_basis})"
    return f"{message} Suggestion: {rule.suggestion_en}" if rule.suggestion_en else message
