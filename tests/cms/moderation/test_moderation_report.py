"""run_checks over whole articles: verdicts, ordering, JSON storage, configuration and failures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from cms.moderation.checks import (
    DEFAULT_CHECKS,
    CheckConfig,
    CheckReport,
    Finding,
    ReportFormatError,
    check_names,
    run_checks,
    verdict_for,
)


def problem_article() -> ArticleDocument:
    return ArticleDocument(
        title="高血压用药指南",
        language="zh-hans",
        article_id=12,
        revision_id=34,
        last_reviewed=date(2025, 1, 1),
        share_url="https://kepu.hospital.cn/a/12/",
        blocks=(
            DocumentBlock("heading", text="怎么吃药", block_id="h1"),
            DocumentBlock(
                "paragraph",
                text="氨氯地平每日1次，每次5mg，最好在早上服用。本品能根治高血压，无副作用！",
                links=("https://www.who.int/news", "https://pills.example.com/"),
                block_id="p1",
            ),
            DocumentBlock("image", image=DocumentImage(path=Path("/tmp/IMG_0001.jpg"), alt_text="图片"), block_id="i1"),
            DocumentBlock("heading", text="常见问题", block_id="h2"),
            DocumentBlock("qa", text="高血压能根治吗？", answer="目前高血压无法根治，需要长期管理。", block_id="q1"),
            DocumentBlock("heading", text="饮食", block_id="h3"),
        ),
    )


def clean_article() -> ArticleDocument:
    return ArticleDocument(
        title="春季花粉过敏怎么办",
        language="zh-hans",
        blocks=(
            DocumentBlock("heading", text="什么是花粉过敏"),
            DocumentBlock("paragraph", text="春天花粉多。有的人吸入花粉后会打喷嚏、流鼻涕、眼睛痒。这叫花粉过敏。"),
            DocumentBlock("heading", text="怎么预防"),
            DocumentBlock("list", items=("外出戴口罩。", "回家后洗脸、换衣服。", "花粉多的日子少开窗。")),
            DocumentBlock(
                "image", image=DocumentImage(path=Path("/tmp/a.png"), alt_text="一位女士戴着口罩走在开花的树下")
            ),
        ),
    )


def test_problem_article_gets_errors_with_every_check_contributing() -> None:
    report = run_checks(problem_article())
    assert report.verdict == "errors"
    assert report.checks_run == tuple(check_names())
    assert {finding.check for finding in report.findings} == {
        "health_claims",
        "missing_references",
        "dosage",
        "image_alt_text",
        "external_links",
        "empty_sections",
    }
    claims = report.by_check("health_claims")
    assert [(finding.excerpt, finding.severity) for finding in claims] == [("根治", "error"), ("无副作用", "error")]
    # Errors first, then warnings, then info; within a severity, reading order.
    ranks = [("info", "warning", "error").index(finding.severity) for finding in report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert report.counts() == {"error": 2, "warning": 4, "info": 2}
    assert report.metrics["reading_level"]["language"] == "zh"
    assert (report.article_id, report.revision_id) == (12, 34)


def test_clean_article_passes() -> None:
    report = run_checks(clean_article())
    assert report.findings == ()
    assert report.verdict == "pass"


def test_report_round_trips_through_json() -> None:
    report = run_checks(problem_article())
    text = report.to_json()
    stored = json.loads(text)
    assert stored["verdict"] == "errors" and stored["format_version"] == 1
    assert stored["findings"][0]["message_en"]
    restored = CheckReport.from_json(text)
    assert restored == report
    assert restored.verdict == report.verdict
    assert restored.findings[0].position == report.findings[0].position


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "must be an object"),
        (json.dumps({"format_version": 99}), "unsupported report format_version 99"),
        (json.dumps({"format_version": 1, "findings": []}), "invalid check report"),
        (
            json.dumps(
                {
                    "format_version": 1,
                    "checks_run": [],
                    "language": "en",
                    "findings": [{"check": "x", "severity": "fatal"}],
                }
            ),
            "invalid finding",
        ),
    ],
)
def test_corrupt_stored_reports_raise_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        CheckReport.from_json(text)


def test_verdict_ignores_info() -> None:
    def finding(severity: str) -> Finding:
        return Finding(check="c", severity=severity, location="article", message_zh="z", message_en="e")  # type: ignore[arg-type]

    assert verdict_for([finding("info")]) == "pass"
    assert verdict_for([finding("info"), finding("warning")]) == "warnings"
    assert verdict_for([finding("warning"), finding("error")]) == "errors"
    with pytest.raises(ValueError, match="severity must be one of"):
        finding("critical")


def test_enabled_checks_limit_what_runs() -> None:
    report = run_checks(problem_article(), CheckConfig(enabled_checks=frozenset({"dosage", "empty_sections"})))
    assert report.checks_run == ("dosage", "empty_sections")
    assert {finding.check for finding in report.findings} == {"dosage", "empty_sections"}
    assert report.verdict == "warnings"
    assert report.ruleset_fingerprint == ""
    with pytest.raises(ValueError, match="unknown check"):
        run_checks(problem_article(), CheckConfig(enabled_checks=frozenset({"spelling"})))


def test_check_name_override_changes_severity() -> None:
    report = run_checks(
        problem_article(), CheckConfig(severity_overrides={"empty_sections": "error", "dosage": "warning"})
    )
    assert {finding.severity for finding in report.by_check("empty_sections")} == {"error"}
    assert {finding.severity for finding in report.by_check("dosage")} == {"warning"}


class ExplodingCheck:
    name = "exploding"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        raise RuntimeError("boom")


def test_a_crashing_check_becomes_a_blocking_finding_and_others_still_run() -> None:
    report = run_checks(clean_article(), checks=(*DEFAULT_CHECKS, ExplodingCheck()))
    assert report.verdict == "errors"
    [failure] = report.by_check("exploding")
    assert failure.rule_id == "internal.check_failed" and "boom" in failure.message_en
    assert "reading_level" in report.metrics


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(TypeError, match="needs an ArticleDocument"):
        run_checks({"title": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate check name"):
        run_checks(clean_article(), checks=(ExplodingCheck(), ExplodingCheck()))


def test_config_from_dict_round_trip_and_validation() -> None:
    config = CheckConfig.from_dict(
        {
            "allowed_link_domains": ["who.int"],
            "enabled_checks": ["health_claims"],
            "missing_references_severity": "error",
            "severity_overrides": {"zh.absolute.best": "info"},
        }
    )
    assert config.allowed_link_domains == ("who.int",)
    assert config.enabled_checks == frozenset({"health_claims"})
    assert CheckConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown check setting"):
        CheckConfig.from_dict({"max_grade": 6})
    with pytest.raises(ValueError, match="missing_references_severity"):
        CheckConfig.from_dict({"missing_references_severity": "high"})
    with pytest.raises(ValueError, match="severity_overrides"):
        CheckConfig(severity_overrides={"dosage": "loud"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not one string"):
        CheckConfig.from_dict({"allowed_link_domains": "who.int"})
    with pytest.raises(ValueError, match="between 0 and 1"):
        CheckConfig(max_uncommon_char_share_zh=5)
