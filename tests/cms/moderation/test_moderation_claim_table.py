"""The labelled claim table (claim_table.json) and the rule-set mechanics behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cms.core.documents import ArticleDocument, DocumentBlock
from cms.moderation.checks import (
    CLAIM_CATEGORIES,
    CheckConfig,
    ClaimRuleError,
    ClaimRuleSet,
    HealthClaimCheck,
    default_claim_rules,
    run_checks,
)
from cms.moderation.checks.claim_corpus import read_corpus

DEVELOPMENT_CORPUS = Path(__file__).resolve().parents[2] / "data" / "claims" / "dev.tsv"
TABLE_PATH = Path(__file__).with_name("claim_table.json")
CLAIM_TABLE = json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def article(text: str, language: str) -> ArticleDocument:
    return ArticleDocument(
        title="科普" if language == "zh" else "Health notes",
        language="zh-hans" if language == "zh" else "en",
        blocks=(DocumentBlock("paragraph", text=text, block_id="p1"),),
    )


def test_table_is_large_and_balanced() -> None:
    assert len(CLAIM_TABLE) >= 80
    for language in ("zh", "en"):
        rows = [row for row in CLAIM_TABLE if row["language"] == language]
        assert sum(row["expected"] == "violation" for row in rows) >= 20
        assert sum(row["expected"] == "ok" for row in rows) >= 20
    assert len({row["id"] for row in CLAIM_TABLE}) == len(CLAIM_TABLE)


@pytest.mark.parametrize("row", CLAIM_TABLE, ids=[row["id"] for row in CLAIM_TABLE])
def test_claim_table_verdict(row: dict) -> None:
    # The table measures the rules; the statistical layer is scored on tests/data/claims (benchmarks/bench_claims.py).
    config = CheckConfig(enabled_checks=frozenset({"health_claims"}), use_claim_model=False)
    report = run_checks(article(row["text"], row["language"]), config)
    blocking = [finding for finding in report.findings if finding.severity != "info"]
    found = "violation" if blocking else "ok"
    assert found == row["expected"], f"{row['text']!r}: {[(f.rule_id, f.excerpt) for f in blocking]} ({row['note']})"
    if row["expected"] == "violation":
        assert row["category"] in {finding.data["category"] for finding in blocking}
        for finding in blocking:
            assert finding.excerpt and finding.excerpt in row["text"]
            assert finding.position is not None
            assert row["text"][finding.position.start : finding.position.end] == finding.excerpt
            assert finding.message_zh and finding.message_en


def test_every_default_rule_is_exercised_by_the_table_or_the_development_corpus() -> None:
    rules = default_claim_rules()
    sentences = [(row["text"], row["language"]) for row in CLAIM_TABLE]
    sentences += [(sentence.text, sentence.language) for sentence in read_corpus(DEVELOPMENT_CORPUS)]
    hit: set[str] = set()
    for text, language in sentences:
        hit.update(match.rule.id for match in rules.match_sentence(text, language))
    assert {rule.id for rule in rules.rules} - hit == set()


def test_findings_carry_legal_basis_and_both_languages() -> None:
    document = article("本院治疗不孕不育的成功率高达95%。", "zh")
    [finding] = HealthClaimCheck()(document, CheckConfig())
    assert finding.rule_id == "zh.cure_rate"
    assert finding.severity == "error"
    assert "广告法第十六条第一款第（二）项" in finding.message_zh
    assert "Art. 16(1)(ii)" in finding.message_en
    assert finding.message("zh-hans") == finding.message_zh and finding.message("en") == finding.message_en
    assert finding.location == "block 0 (paragraph, id p1) text chars 9-17"


def test_reported_study_result_is_info_only() -> None:
    report = run_checks(
        article("No side effects were reported in this small study.", "en"),
        CheckConfig(enabled_checks=frozenset({"health_claims"})),
    )
    assert report.verdict == "pass"
    assert [finding.rule_id for finding in report.findings] == ["en.safety.reported_result"]


def test_english_claim_quoted_in_chinese_article_is_found() -> None:
    document = article("有商家宣传 “guaranteed cure” 的说法。本品无副作用。", "zh")
    rule_ids = {finding.rule_id for finding in HealthClaimCheck()(document, CheckConfig())}
    assert rule_ids == {"en.efficacy.guarantee", "zh.safety.guarantee"}


def test_patient_question_in_qa_block_is_not_a_claim_unless_configured() -> None:
    document = ArticleDocument(
        title="问答",
        language="zh-hans",
        blocks=(DocumentBlock("qa", text="糖尿病能根治吗？", answer="目前糖尿病无法根治，但可以控制。"),),
    )
    assert HealthClaimCheck()(document, CheckConfig()) == []
    strict = HealthClaimCheck()(document, CheckConfig(claims_skip_patient_questions=False))
    assert [finding.excerpt for finding in strict] == ["根治"]


def test_references_are_not_checked_for_claims() -> None:
    document = ArticleDocument(
        title="Notes",
        language="en",
        blocks=(DocumentBlock("references", items=("Smith J. The best treatment for gout. BMJ 2020;1:1.",)),),
    )
    assert HealthClaimCheck()(document, CheckConfig()) == []


def test_severity_override_by_rule_and_by_category() -> None:
    document = article("这是目前治疗失眠最好的药。", "zh")
    by_rule = HealthClaimCheck()(document, CheckConfig(severity_overrides={"zh.absolute.best": "error"}))
    by_category = HealthClaimCheck()(document, CheckConfig(severity_overrides={"absolute_terms": "info"}))
    assert [finding.severity for finding in by_rule] == ["error"]
    assert [finding.severity for finding in by_category] == ["info"]


# ---------- rules as data ----------


def minimal_record(**changes: object) -> dict:
    record = {
        "id": "test.miracle",
        "category": "efficacy_guarantee",
        "language": "en",
        "severity": "error",
        "legal_basis": "广告法第十六条第一款第（一）项",
        "explanation_zh": "不得保证疗效。",
        "explanation_en": "Do not promise results.",
        "terms": ["miracle water"],
        "exceptions": [r"miracle water myth"],
    }
    record.update(changes)
    return record


def test_rules_load_from_records_and_round_trip() -> None:
    default = default_claim_rules()
    rebuilt = ClaimRuleSet.from_records(
        default.to_records(), default.to_json_data()["negation"], version=default.version
    )
    assert rebuilt.fingerprint == default.fingerprint
    assert {rule.category for rule in default.rules} <= set(CLAIM_CATEGORIES)
    assert all(rule.legal_basis and rule.explanation_zh and rule.explanation_en for rule in default.rules)


def test_custom_rule_set_replaces_defaults() -> None:
    rules = ClaimRuleSet.from_records([minimal_record()])
    config = CheckConfig(claim_rules=rules)
    assert [f.excerpt for f in HealthClaimCheck()(article("Drink Miracle Water daily.", "en"), config)] == [
        "Miracle Water"
    ]
    assert HealthClaimCheck()(article("The miracle water myth persists.", "en"), config) == []
    assert HealthClaimCheck()(article("There is no miracle water.", "en"), config) == []
    assert HealthClaimCheck()(article("This is the best treatment.", "en"), config) == []
    no_negation = ClaimRuleSet.from_records([minimal_record(negatable=False)])
    assert (
        len(HealthClaimCheck()(article("There is no miracle water.", "en"), CheckConfig(claim_rules=no_negation))) == 1
    )
    disabled = ClaimRuleSet.from_records([minimal_record(enabled=False)])
    assert HealthClaimCheck()(article("Drink miracle water.", "en"), CheckConfig(claim_rules=disabled)) == []


def test_english_terms_match_whole_words_only() -> None:
    rules = ClaimRuleSet.from_records([minimal_record(terms=["cure"], exceptions=[])])
    assert rules.match_sentence("A secure curtain.", "en") == []
    assert [match.text for match in rules.match_sentence("A cure.", "en")] == ["cure"]


def test_run_checks_records_the_rule_fingerprint() -> None:
    rules = ClaimRuleSet.from_records([minimal_record()])
    report = run_checks(article("text", "en"), CheckConfig(claim_rules=rules))
    assert report.ruleset_fingerprint == rules.fingerprint != default_claim_rules().fingerprint


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": ""}, "missing required field(s) id"),
        ({"legal_basis": " "}, "missing required field(s) legal_basis"),
        ({"severity": "fatal"}, "severity must be one of info, warning, error"),
        ({"language": "fr"}, "language must be 'zh' or 'en'"),
        ({"category": "spam"}, "category must be one of"),
        ({"terms": [], "patterns": []}, "needs at least one entry"),
        ({"patterns": ["(unclosed"]}, "invalid regex in 'patterns'"),
        ({"patterns": ["a*"]}, "matches the empty string"),
        ({"exceptions": "not a list"}, "'exceptions' must be a list of non-empty strings"),
        ({"negatable": "yes"}, "'negatable' must be true or false"),
        ({"colour": "red"}, "unknown field(s) colour"),
    ],
)
def test_malformed_rule_records_are_rejected_with_the_rule_named(changes: dict, message: str) -> None:
    with pytest.raises(ClaimRuleError, match="claim rule") as error:
        ClaimRuleSet.from_records([minimal_record(**changes)])
    assert message in str(error.value)


def test_duplicate_rule_ids_are_rejected() -> None:
    with pytest.raises(ClaimRuleError, match="duplicate claim rule id 'test.miracle'"):
        ClaimRuleSet.from_records([minimal_record(), minimal_record()])


def test_unreadable_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "rules.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ClaimRuleError, match="cannot read claim rules"):
        ClaimRuleSet.from_json_file(broken)
    broken.write_text(json.dumps({"rules": []}), encoding="utf-8")
    with pytest.raises(ClaimRuleError, match="expected an object with 'rules'"):
        ClaimRuleSet.from_json_file(broken)
