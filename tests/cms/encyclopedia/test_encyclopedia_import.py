"""The import_encyclopedia command, end to end, on real MedQuAD records and the ICD-10 CN tables."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cms.encyclopedia.models import EncyclopediaEntry, ICD10Category
from tests.admin_forms import entry_form


def run_import(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_encyclopedia", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_creates_entries_with_sections_synonyms_and_attribution(studio, encyclopedia_data):
    out, err = run_import(encyclopedia_data)
    assert f"{EncyclopediaEntry.objects.count()} created, 0 updated" in out  # English and Chinese (ICD) entries
    english = EncyclopediaEntry.objects.filter(locale__language_code="en")
    assert english.count() == 6
    gout = english.get(source_id="4_MPlus_Health_Topics_QA/0000409")
    assert gout.title == "Gout"
    assert gout.synonym_list == ["Gouty arthritis"]
    assert gout.live and gout.url_path.endswith("/gout/")
    assert [kind for kind, _heading, _html in gout.section_items()] == ["overview"]
    assert "CC BY 4.0" in gout.licence and "MedQuAD / MPlusHealthTopics" in gout.licence
    assert gout.source_url.startswith("https://")
    assert gout.icd10_codes == "M10" and gout.chapter.name_zh.startswith("肌肉骨骼系统")
    # Cleaned into paragraphs and lists, no stray bullet dashes.
    leukemia = english.get(source_id="1_CancerGov_QA/0000001_1")
    kinds = [kind for kind, _heading, _html in leukemia.section_items()]
    assert kinds == ["overview", "symptoms", "diagnosis", "outlook", "risk_factors", "stages", "treatment"]
    assert [heading for _k, heading, _h in leukemia.section_items()][:2] == ["Overview", "Symptoms"]
    overview = leukemia.section_items()[0][2]
    assert "<ul><li>" in overview and "    -" not in overview and "Key Points" not in overview
    assert leukemia.summary.startswith("Adult acute lymphoblastic leukemia (ALL) is a type of cancer")
    gard = english.get(source_id="2_GARD_QA/0000004")
    assert "Human Phenotype Ontology" in gard.licence


@pytest.mark.django_db
def test_import_builds_the_chinese_side_from_icd10(studio, encyclopedia_data):
    run_import(encyclopedia_data)
    assert ICD10Category.objects.get(code="I10").name_zh == "特发性(原发性)高血压"
    # A category the studio has not written about: its ICD-10 name and place in the classification.
    heart_kidney = EncyclopediaEntry.objects.get(locale__language_code="zh-hans", icd10_codes="I13")
    assert heart_kidney.title == "高血压心脏和肾脏病" and heart_kidney.source_id == "icd10-cn:I13"
    assert "循环系统疾病" in heart_kidney.summary and "ICD-10" in heart_kidney.licence
    # I10 carries the studio's written entry under its everyday name; the ICD-10 name stays a synonym.
    hypertension_zh = EncyclopediaEntry.objects.get(locale__language_code="zh-hans", icd10_codes="I10")
    assert hypertension_zh.title == "高血压" and hypertension_zh.source_id == "icd10-cn:I10"
    assert "特发性(原发性)高血压" in hypertension_zh.synonym_list
    # The English MedQuAD entry mapped to I10 is its translation.
    english = hypertension_zh.get_translation_or_none(
        EncyclopediaEntry.objects.get(source_id="4_MPlus_Health_Topics_QA/0000471").locale
    )
    assert english is not None and english.title == "High Blood Pressure"


@pytest.mark.django_db
def test_import_is_idempotent_and_updates_changed_records(studio, encyclopedia_data):
    run_import(encyclopedia_data)
    count = EncyclopediaEntry.objects.count()
    out, _ = run_import(encyclopedia_data)
    assert EncyclopediaEntry.objects.count() == count
    assert "0 created, 0 updated" in out and f"{count} unchanged" in out

    medquad = encyclopedia_data / "medquad" / "medquad.jsonl"
    records = [json.loads(line) for line in medquad.read_text().splitlines()]
    records[2]["title"] = "Gout (podagra)"
    medquad.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    out, _ = run_import(encyclopedia_data)
    assert "0 created, 1 updated" in out
    assert EncyclopediaEntry.objects.count() == count
    assert EncyclopediaEntry.objects.get(source_id="4_MPlus_Health_Topics_QA/0000409").title == "Gout (podagra)"


@pytest.mark.django_db
def test_malformed_lines_are_reported_with_line_numbers_and_skipped(studio, encyclopedia_data):
    medquad = encyclopedia_data / "medquad" / "medquad.jsonl"
    lines = medquad.read_text().splitlines()
    lines.insert(1, '{"id": "broken", "title": "Unclosed"')
    lines.insert(3, json.dumps({"id": "no-title", "sections": []}))
    lines.insert(4, json.dumps({"id": "bad-sections", "title": "X", "sections": "nope"}))
    medquad.write_text("\n".join(lines) + "\n")
    out, err = run_import(encyclopedia_data)
    assert "line 2: invalid JSON" in err
    assert "line 4: missing field 'title'" in err
    assert "line 5: 'sections' is not a list" in err
    assert err.count("skipped medquad.jsonl") == 3
    assert EncyclopediaEntry.objects.filter(locale__language_code="en").count() == 6


@pytest.mark.django_db
def test_import_reads_gzip_files(studio, encyclopedia_data, tmp_path):
    import gzip
    import shutil

    source = encyclopedia_data / "medquad" / "medquad.jsonl"
    with open(source, "rb") as plain, gzip.open(tmp_path / "sample.jsonl.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    out, _ = run_import(tmp_path / "sample.jsonl.gz")
    assert "6 created" in out


@pytest.mark.django_db
def test_missing_source_is_a_clear_error(studio, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run_import(tmp_path / "nowhere")
    with pytest.raises(CommandError, match="No MedQuAD JSONL or ICD-10 TSV"):
        run_import(tmp_path)


@pytest.mark.django_db
def test_bulk_imported_entries_sit_in_a_sound_tree_and_edit_and_publish_in_the_admin(
    studio, encyclopedia_data, client, django_user_model
):
    from django.urls import reverse
    from wagtail.models import Page, PageLogEntry

    run_import(encyclopedia_data)
    # Page.find_problems(): bad alphabet, orphans, wrong depth, wrong child count; all empty.
    assert all(not problems for problems in Page.find_problems()), Page.find_problems()

    entry = next(
        entry
        for entry in EncyclopediaEntry.objects.filter(locale__language_code="en").order_by("pk")
        if len(entry.sections)
    )
    assert entry.revisions.count() == 0  # written in bulk: no revision yet
    editor = django_user_model.objects.create_superuser("chief.editor", "chief@example.org", "pw")
    client.force_login(editor)
    edit_url = reverse("wagtailadmin_pages:edit", args=[entry.pk])
    assert client.get(edit_url).status_code == 200

    # Save a draft: a revision, the live page unchanged.
    response = client.post(edit_url, entry_form(entry, summary="A reviewed summary."))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.revisions.count() == 1 and entry.has_unpublished_changes and entry.summary != "A reviewed summary."

    # Publish: live with the new text, logged, and still in a sound tree.
    response = client.post(edit_url, entry_form(entry, summary="A reviewed summary.", **{"action-publish": "publish"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.live and not entry.has_unpublished_changes and entry.summary == "A reviewed summary."
    assert entry.live_revision == entry.latest_revision and entry.revisions.count() == 2
    assert PageLogEntry.objects.filter(page=entry, action="wagtail.publish").exists()
    assert client.get(entry.url).status_code == 200
    assert all(not problems for problems in Page.find_problems())


@pytest.mark.django_db
def test_postgresql_planner_has_statistics_after_the_import(studio, encyclopedia_data):
    """A bulk load leaves PostgreSQL guessing one row per table until it is analysed: the import analyses."""
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (this run uses SQLite)")
    run_import(encyclopedia_data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [EncyclopediaEntry._meta.db_table])
        (estimated,) = cursor.fetchone()
    assert estimated == EncyclopediaEntry.objects.count()  # -1 (never analysed) without the import's ANALYZE
