"""The statistical layer of the claim check: its findings, its model file, and its training command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cms.core.documents import ArticleDocument, DocumentBlock
from cms.moderation.checks import CheckConfig, HealthClaimCheck
from cms.moderation.checks.claim_corpus import COLUMNS, CorpusError, read_corpus
from cms.moderation.checks.claim_model import DEFAULT_MODEL_PATH, ClaimModel, ClaimModelError, default_claim_model
from cms.moderation.models import ClaimExample

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "claims"
# A patient story no rule names: the model must recognise it.
STORY = "小刘的青春痘困扰了他整整六年，来我们皮肤科三周后脸上就光滑了。"


def paragraph(text: str) -> ArticleDocument:
    return ArticleDocument(title="", language="zh-hans", blocks=(DocumentBlock("paragraph", text=text),))


def test_a_story_no_rule_matches_is_flagged_with_its_clause_and_a_rewording() -> None:
    assert HealthClaimCheck()(paragraph(STORY), CheckConfig(use_claim_model=False)) == []
    [finding] = HealthClaimCheck()(paragraph(STORY), CheckConfig())
    assert finding.rule_id == "model.testimonial" and finding.severity == "warning"
    assert "医疗广告管理办法第七条第（六）项" in finding.data["legal_basis"]
    assert "统计模型" in finding.message_zh and "建议：" in finding.message_zh
    assert "Suggestion:" in finding.message_en and finding.data["probability"] >= default_claim_model().thresholds["zh"]
    assert finding.excerpt == STORY


def test_patient_education_and_rule_matches_get_no_model_finding() -> None:
    education = "高血压患者应当每天在固定时间测量血压，并把读数记下来，复诊时带给医生。"
    assert HealthClaimCheck()(paragraph(education), CheckConfig()) == []
    [finding] = HealthClaimCheck()(paragraph("本院治疗不孕不育的成功率高达95%。"), CheckConfig())
    assert finding.rule_id == "zh.cure_rate"  # the rule speaks; the model adds nothing to a matched sentence


def test_model_severity_follows_the_configuration() -> None:
    config = CheckConfig(severity_overrides={"model": "error"})
    assert [finding.severity for finding in HealthClaimCheck()(paragraph(STORY), config)] == ["error"]


def test_the_shipped_model_is_plain_data() -> None:
    raw = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    assert raw["format"] == "kepu-claim-model/1" and len(raw["features"]) == len(raw["coefficients"])
    assert raw["trained_on"]["sentences"] > 800
    with pytest.raises(ClaimModelError):
        ClaimModel.from_json_data({**raw, "format": "pickle"})
    with pytest.raises(ClaimModelError):
        ClaimModel.from_json_data({**raw, "idf": raw["idf"][:-1]})


def test_corpora_are_well_formed_and_large_enough() -> None:
    development = read_corpus(CORPUS_DIR / "dev.tsv")
    blind = read_corpus(CORPUS_DIR / "blind_v1.tsv")  # read for its shape only, never for its sentences
    assert len(development) >= 600 and len(blind) >= 200 and len(development) + len(blind) >= 800
    assert sum(sentence.violation for sentence in development) >= 300
    assert all(sentence.clause for sentence in development + blind if sentence.violation)
    assert not {sentence.text for sentence in development} & {sentence.text for sentence in blind}


def test_a_malformed_corpus_line_is_an_error(tmp_path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("\t".join(COLUMNS) + "\nx1\tzh\tad\tviolation\tno_such\tAL9.3\t最好的医院\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="bad.tsv:2"):
        read_corpus(path)


@pytest.mark.django_db
def test_training_command_learns_from_the_corpus_and_editors_examples(tmp_path) -> None:
    lines = (CORPUS_DIR / "dev.tsv").read_text(encoding="utf-8").splitlines()
    violations = [line for line in lines[1:] if "\tviolation\t" in line][:60]
    legitimate = [line for line in lines[1:] if "\tlegitimate\t" in line][:60]
    corpus = tmp_path / "small.tsv"
    corpus.write_text("\n".join([lines[0], *violations, *legitimate]) + "\n", encoding="utf-8")
    ClaimExample.objects.create(text="复诊时请带上您的血压记录本和正在服用的药。", language="zh", label="legitimate")
    output = tmp_path / "model.json"
    out = []

    class Stdout:
        def write(self, text):
            out.append(text)

    call_command("train_claim_model", corpus=[corpus], output=output, model_version="test-1", stdout=Stdout())
    assert "121 sentences" in "".join(out) and "1 from editors' decisions" in "".join(out)
    model = ClaimModel.from_json_file(output)
    assert model.version == "test-1" and set(model.thresholds) == {"zh", "en"}
    assert 0.0 <= model.probability(STORY) <= 1.0


@pytest.mark.django_db
def test_training_command_refuses_a_blind_slice_and_bad_files(tmp_path) -> None:
    with pytest.raises(CommandError, match="blind"):
        call_command("train_claim_model", corpus=[CORPUS_DIR / "blind_v1.tsv"], output=tmp_path / "m.json")
    with pytest.raises(CommandError):
        call_command("train_claim_model", corpus=[tmp_path / "missing.tsv"], output=tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
