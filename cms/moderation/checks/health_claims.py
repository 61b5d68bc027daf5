"""Check: wording that the Advertising Law forbids in medical, drug and supplement advertising.

Patient education is not advertising, but the 《互联网广告管理办法》 treats
health-knowledge content that promotes a treatment or product as a disguised
advertisement, so the same wording is flagged here for the reviewer.
"""

from __future__ import annotations

from cms.articles.document import ArticleDocument

from .check_interface import finding_in_segment
from .claim_rules import RULE_LANGUAGES, ClaimMatch
from .config import CheckConfig
from .document_text import split_sentences, text_segments
from .findings import Finding

_CHECKED_ROLES = frozenset({"title", "summary", "heading", "body", "question", "caption"})


class HealthClaimCheck:
    name = "health_claims"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        rules = config.rules
        findings: list[Finding] = []
        for segment in text_segments(document):
            if segment.role not in _CHECKED_ROLES:
                continue
            if segment.role == "question" and config.claims_skip_patient_questions:
                continue
            for sentence in split_sentences(segment.text):
                # Both languages on every sentence: Chinese articles quote English claims and vice versa;
                # a rule only matches text in its own script.
                for language in RULE_LANGUAGES:
                    for match in rules.match_sentence(sentence.text, language):
                        start = sentence.start + match.start
                        findings.append(
                            finding_in_segment(
                                check=self.name,
                                severity=config.severity_for(match.rule.severity, match.rule.id, match.rule.category, self.name),
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
        return findings


def _message_zh(match: ClaimMatch) -> str:
    rule = match.rule
    message = f"“{match.text}”：{rule.explanation_zh}（依据：{rule.legal_basis}）"
    return f"{message}建议：{rule.suggestion_zh}" if rule.suggestion_zh else message


def _message_en(match: ClaimMatch) -> str:
    rule = match.rule
    message = f"\u201c{match.text}\u201d: {rule.explanation_en} (Basis: {rule.legal_basis_en or rule.legal_basis})"
    return f"{message} Suggestion: {rule.suggestion_en}" if rule.suggestion_en else message
