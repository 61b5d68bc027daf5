"""The Chinese entries the studio writes (cms/encyclopedia/data/zh_entries): data, import, pages, drafts.

The data tests read every shipped file, so entries added later are held to the same rules.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from cms.articles.models import Article
from cms.encyclopedia.importer import ICD_MAP_PATH
from cms.encyclopedia.medquad import read_icd_map
from cms.encyclopedia.models import EncyclopediaEntry
from cms.encyclopedia.sections import section_heading
from cms.encyclopedia.written import (
    STUDIO_ATTRIBUTION,
    WRITTEN_SECTION_KINDS,
    ZH_ENTRIES_DIR,
    MalformedEntry,
    WrittenEntry,
    read_written_entries,
    section_text,
)

SHARED = Path(settings.KEPU_DATA_DIR)
CATEGORIES = SHARED / "icd10-cn" / "categories.tsv"
MEDQUAD = SHARED / "medquad" / "medquad.jsonl.gz"
needs_shared_data = pytest.mark.skipif(
    not (CATEGORIES.exists() and MEDQUAD.exists()),
    reason=f"the ICD-10 and MedQuAD data are not in {SHARED} (set KEPU_DATA_DIR)",
)
SAMPLE_MEDQUAD_IDS = {  # the MedQuAD records in tests/data/medquad_sample.jsonl
    json.loads(line)["id"]
    for line in (Path(__file__).resolve().parents[2] / "data" / "medquad_sample.jsonl").read_text().splitlines()
}
# Promotional wording the format forbids outright; the health-claim check below judges the rest in context.
BANNED = re.compile(
    r"根治|治愈率|100%|保证治愈|保证有效|无副作用|(?<!没有)(?<!无)特效|神药|包治|彻底治好|最好的|最佳疗效"
)


def shipped_entries() -> list[WrittenEntry]:
    codes = {line.split("\t")[0] for line in CATEGORIES.read_text(encoding="utf-8").splitlines()[1:]}
    results = list(read_written_entries(ZH_ENTRIES_DIR, codes))
    problems = [
        f"{file_name} {entry_id}: {item}" for file_name, entry_id, item in results if isinstance(item, MalformedEntry)
    ]
    assert not problems, "\n".join(problems)
    return [item for _file, _id, item in results]


def run_import(path, *options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_encyclopedia", str(path), "--no-progress", *map(str, options), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def in_admin_form(text: str, html: str) -> bool:
    """Whether the admin edit form holds ``text`` (StreamField data is embedded as JSON, often \\u-escaped)."""
    escaped = json.dumps(text)[1:-1]
    return text in html or escaped in html or escaped.replace("\\", "\\\\") in html


def zh_page(source_id: str) -> EncyclopediaEntry:
    return EncyclopediaEntry.objects.get(locale__language_code="zh-hans", source_id=source_id)


# The shipped data ----------------------------------------------------------------------------------


def test_entry_files_are_the_ones_the_loader_reads():
    files = sorted(path.name for path in ZH_ENTRIES_DIR.glob("*.json"))
    assert any(name.startswith("cardio_metabolic_") for name in files)
    assert not [path.name for path in ZH_ENTRIES_DIR.iterdir() if path.suffix != ".json"]


@needs_shared_data
def test_every_shipped_entry_follows_the_format():
    """Schema, real ICD-10 codes, ids unique across all files, section kinds, references, length, wording."""
    entries = shipped_entries()
    with gzip.open(MEDQUAD, "rt", encoding="utf-8") as lines:
        medquad_ids = {json.loads(line)["id"] for line in lines}
    problems = []
    for entry in entries:
        where = f"{entry.file_name} {entry.id}"
        kinds = [kind for kind, _html in entry.sections]
        if not set(kinds) <= set(WRITTEN_SECTION_KINDS):
            problems.append(f"{where}: unknown section kinds {kinds}")
        text = "".join(section_text(html) for _kind, html in entry.sections)
        chinese = len(re.findall(r"[\u4e00-\u9fff]", text))
        if not 300 <= len(text) <= 1400 or chinese < 250:
            problems.append(f"{where}: {len(text)} characters of text ({chinese} Chinese); the format asks 350-900")
        if not 1 <= len(entry.synonyms) <= 10:
            problems.append(f"{where}: {len(entry.synonyms)} synonyms")
        if entry.medquad_id is not None and entry.medquad_id not in medquad_ids:
            problems.append(f"{where}: medquad_id {entry.medquad_id} is not a MedQuAD record")
        for citation, _url in entry.references:
            if not re.search(r"(19|20)\d\d", citation) or len(citation) < 15:
                problems.append(f"{where}: reference {citation!r} lacks an issuing body, title or year")
        for match in BANNED.finditer(text + entry.summary):
            problems.append(f"{where}: uses {match.group()!r}")
        if not re.search(r"120|急诊|马上|立即|尽快就医", dict(entry.sections)["when_to_see_doctor"]):
            problems.append(f"{where}: when_to_see_doctor names no 'go now' signs")
    assert not problems, "\n".join(problems)
    assert len(entries) >= 50


@needs_shared_data
def test_curated_medquad_map_covers_every_written_entry():
    """The English entry of each written entry carries the written entry's ICD-10 code (and so its chapter)."""
    icd_map = read_icd_map(ICD_MAP_PATH)
    missing = [
        f"{entry.medquad_id}\t{','.join(entry.codes)}  ({entry.file_name} {entry.id})"
        for entry in shipped_entries()
        if entry.medquad_id and entry.primary_code not in icd_map.get(entry.medquad_id, [])
    ]
    assert not missing, "add these rows to cms/encyclopedia/data/medquad_icd10.tsv:\n" + "\n".join(missing)


@pytest.mark.django_db
@needs_shared_data
def test_every_shipped_entry_passes_the_studio_health_checks(studio, encyclopedia_data):
    """Imported as drafts, each entry's revision gets the review checks' report: no error-level finding."""
    from cms.moderation.reports import check_revision

    run_import(encyclopedia_data, "--as-drafts")
    entries = shipped_entries()
    assert not EncyclopediaEntry.objects.filter(live=True, source_name="科普工作室").exists()  # nothing went live
    drafts = [
        page
        for page in EncyclopediaEntry.objects.filter(locale__language_code="zh-hans").select_related("latest_revision")
        if page.has_unpublished_changes
    ]
    assert len(drafts) == len(entries)
    problems = []
    for page in drafts:
        stored = check_revision(page.latest_revision)
        assert stored.revision.as_object().source_name == "科普工作室"
        for finding in stored.report["findings"]:
            if finding["severity"] == "error":
                problems.append(
                    f"{page.latest_revision.as_object().title} ({page.source_id}): "
                    f"{finding['rule_id']} {finding['message_zh']}"
                )
    assert not problems, "\n".join(problems)


# Import ----------------------------------------------------------------------------------------


@pytest.fixture
def entries_folder(tmp_path) -> Path:
    """A copy of the shipped entries the test may edit."""
    folder = tmp_path / "zh_entries"
    shutil.copytree(ZH_ENTRIES_DIR, folder)
    return folder


def hypertension_file(folder: Path) -> Path:
    return next(
        path
        for path in folder.glob("*.json")
        if any(item["id"] == "I10" for item in json.loads(path.read_text(encoding="utf-8")))
    )


@pytest.mark.django_db
def test_written_entry_becomes_the_content_of_its_icd_category_page(studio, encyclopedia_data):
    out, err = run_import(encyclopedia_data)
    assert "skipped" not in err, err
    chinese = EncyclopediaEntry.objects.filter(locale__language_code="zh-hans")
    assert (
        chinese.filter(source_id="icd10-cn:I10").count() == 1 and not chinese.filter(source_id="kepu-zh:I10").exists()
    )
    page = zh_page("icd10-cn:I10")
    assert page.live and page.title == "高血压" and page.icd10_codes == "I10"
    assert page.synonym_list[:3] == ["原发性高血压", "高血压病", "血压高"]
    assert "特发性(原发性)高血压" in page.synonym_list  # the ICD-10 name stays searchable
    assert [kind for kind, _h, _html in page.section_items()][:3] == ["overview", "symptoms", "causes"]
    assert [heading for _k, heading, _html in page.section_items()][:2] == ["概述", "症状"]
    assert "收缩压" in page.plain_text()
    assert "中国高血压防治指南（2024年修订版）" in page.references[0].value["citation"]
    assert page.last_reviewed.isoformat() == "2026-11-30"
    assert page.licence == STUDIO_ATTRIBUTION and page.source_name == "科普工作室"
    assert page.chapter.name_zh.startswith("循环系统疾病")
    # Categories nobody wrote about keep their ICD-10 text and licence line.
    plain = zh_page("icd10-cn:I13")
    assert plain.title == "高血压心脏和肾脏病" and not plain.references and "ICD-10" in plain.licence


@pytest.mark.django_db
def test_reimport_changes_nothing_and_an_edited_entry_updates_only_its_page(studio, encyclopedia_data, entries_folder):
    run_import(encyclopedia_data, "--zh-entries", entries_folder)
    before = {page.pk: (page.import_fingerprint, page.latest_revision_id) for page in EncyclopediaEntry.objects.all()}
    out, _ = run_import(encyclopedia_data, "--zh-entries", entries_folder)
    assert "0 created, 0 updated" in out and f"{len(before)} unchanged" in out
    assert {
        page.pk: (page.import_fingerprint, page.latest_revision_id) for page in EncyclopediaEntry.objects.all()
    } == before

    path = hypertension_file(entries_folder)
    items = json.loads(path.read_text(encoding="utf-8"))
    hypertension = next(item for item in items if item["id"] == "I10")
    hypertension["summary"] = "高血压是最常见的慢性病之一。"
    hypertension["synonyms"].append("血压病")
    path.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    out, _ = run_import(encyclopedia_data, "--zh-entries", entries_folder)
    assert "0 created, 1 updated" in out
    page = zh_page("icd10-cn:I10")
    assert page.summary == "高血压是最常见的慢性病之一。" and "血压病" in page.synonym_list
    changed = [
        pk
        for pk, fingerprint in EncyclopediaEntry.objects.values_list("pk", "import_fingerprint")
        if fingerprint != before[pk][0]
    ]
    assert changed == [page.pk]


@pytest.mark.django_db
def test_malformed_files_and_entries_are_reported_with_file_and_id_and_skipped(
    studio, encyclopedia_data, entries_folder
):
    good = json.loads(hypertension_file(entries_folder).read_text(encoding="utf-8"))[0]
    (entries_folder / "zz_broken.json").write_text('[{"id": "I11", ', encoding="utf-8")
    (entries_folder / "zz_not_a_list.json").write_text('{"id": "I11"}', encoding="utf-8")
    # Categories in the test data that no shipped entry uses (the shipped set grows; these must stay free).
    taken = {code for entry in _loaded_entries() for code in entry.codes}
    lines = (encyclopedia_data / "icd10-cn" / "categories.tsv").read_text(encoding="utf-8").splitlines()[1:]
    free = [code for code in (line.split("\t")[0] for line in lines) if code not in taken and code[0] in "EIM"][:6]
    a, b, c, d, e, f = free

    def variant(entry_id, **changes):
        entry = {**json.loads(json.dumps(good)), "id": entry_id, "icd10": [entry_id.split("-")[0]]}
        entry.update(changes)
        return entry

    bad = [
        variant(a, sections=[{"kind": "overview", "html": "<p>只有概述</p>"}]),
        variant(b, references=[]),
        variant(c, sections=good["sections"] + [{"kind": "history", "html": "<p>历史</p>"}]),
        variant(
            d,
            sections=[{"kind": "overview", "html": '<p><a href="https://x.example">链接</a></p>'}]
            + good["sections"][1:],
        ),
        variant("I10"),  # an id another file already has
        variant(f"{a}-extra", icd10=[a, "Q999"]),
        variant(e, last_reviewed="30/11/2026"),
        {"title": "没有编号"},
    ]
    (entries_folder / "zz_bad_entries.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    out, err = run_import(encyclopedia_data, "--zh-entries", entries_folder)
    assert "skipped zz_broken.json (whole file): file is not valid UTF-8 JSON" in err
    assert "skipped zz_not_a_list.json (whole file): file must hold a JSON list of entries" in err
    assert f"skipped zz_bad_entries.json entry {a}: missing section(s): symptoms, diagnosis" in err
    assert f"skipped zz_bad_entries.json entry {b}: 'references' must list at least one" in err
    assert f"skipped zz_bad_entries.json entry {c}: section {len(good['sections']) + 1}: unknown kind 'history'" in err
    assert f"skipped zz_bad_entries.json entry {d}: section 'overview': tag <a> is not allowed" in err
    assert "skipped zz_bad_entries.json entry I10: duplicate id (first in cardio_metabolic_" in err
    assert f"skipped zz_bad_entries.json entry {a}-extra: ICD-10 code(s) Q999 are not ICD-10 categories" in err
    assert f"skipped zz_bad_entries.json entry {e}: last_reviewed '30/11/2026' is not a date" in err
    assert "skipped zz_bad_entries.json entry #8: missing field 'id'" in err
    assert "10 skipped" in out
    # The good entries still loaded; the bad ones touched nothing.
    assert zh_page("icd10-cn:I10").title == "高血压"
    for code in free[:5]:
        untouched = zh_page(f"icd10-cn:{code}")
        assert untouched.source_name == "ICD-10 (中文类目)" and not untouched.references


@pytest.mark.django_db
def test_a_second_entry_on_a_taken_code_gets_its_own_page(studio, encyclopedia_data, entries_folder):
    good = json.loads(hypertension_file(entries_folder).read_text(encoding="utf-8"))[0]
    # Listed in a file read *before* the bare-code entry: the entry whose id is the code still owns the category.
    second = {**good, "id": "I10-nighttime", "title": "夜间高血压", "synonyms": ["夜间血压高"], "medquad_id": None}
    (entries_folder / "a_first.json").write_text(json.dumps([second], ensure_ascii=False), encoding="utf-8")
    run_import(encyclopedia_data, "--zh-entries", entries_folder)
    assert zh_page("icd10-cn:I10").title == "高血压"
    own = zh_page("kepu-zh:I10-nighttime")
    assert own.live and own.title == "夜间高血压" and own.icd10_codes == "I10"
    assert "特发性(原发性)高血压" not in own.synonym_list  # the category's name belongs to the category page


# The pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_entry_page_shows_sections_references_review_date_attribution_and_the_english_link(
    client, studio, encyclopedia_data
):
    run_import(encyclopedia_data)
    page = zh_page("icd10-cn:I10")
    english = EncyclopediaEntry.objects.get(source_id="4_MPlus_Health_Topics_QA/0000471")
    assert page.translation_key == english.translation_key
    html = client.get(page.url).content.decode()
    assert "<h1>高血压</h1>" in html
    assert "ICD-10 I10 特发性(原发性)高血压" in html
    for kind, _heading, _html in page.section_items():
        assert f"<h2>{section_heading(kind, 'zh-hans')}</h2>" in html
    assert "何时就医" in html and "请马上拨打120" in html
    assert "参考文献" in html and "中国高血压防治指南（2024年修订版）" in html
    assert '审核日期：<time datetime="2026-11-30">2026年11月30日</time>' in html
    assert STUDIO_ATTRIBUTION in html and "chaseliu" not in html
    assert f'英文版：<a href="{english.url}"' in html and "High Blood Pressure</a>" in html
    # The English MedQuAD page links back to the Chinese one.
    english_html = client.get(english.url).content.decode()
    assert f'Chinese version: <a href="{page.url}"' in english_html and ">高血压</a>" in english_html
    assert f'hreflang="zh-Hans" href="http://testserver{page.url}"' in english_html or page.url in english_html


@pytest.mark.django_db
def test_every_written_entry_with_a_medquad_id_is_a_translation_of_it(studio, encyclopedia_data):
    """Only the MedQuAD sample is imported here: each written entry whose partner is in it is linked."""
    run_import(encyclopedia_data)
    linked = 0
    for entry in _loaded_entries():
        if entry.medquad_id not in SAMPLE_MEDQUAD_IDS:
            continue
        english = EncyclopediaEntry.objects.get(source_id=entry.medquad_id)
        chinese = EncyclopediaEntry.objects.get(
            translation_key=english.translation_key, locale__language_code="zh-hans"
        )
        assert chinese.title == entry.title and chinese.source_name == "科普工作室", entry.id
        assert entry.primary_code in english.code_list
        linked += 1
    assert linked >= 3  # hypertension, gout and type 2 diabetes are in the sample


def _loaded_entries() -> list[WrittenEntry]:
    return [item for _f, _i, item in read_written_entries(ZH_ENTRIES_DIR) if isinstance(item, WrittenEntry)]


# Drafts for a hospital's own review ---------------------------------------------------------------


@pytest.mark.django_db
def test_as_drafts_keeps_live_pages_and_leaves_a_draft_for_review(
    client, studio, encyclopedia_data, entries_folder, people
):
    good = json.loads(hypertension_file(entries_folder).read_text(encoding="utf-8"))[0]
    second = {**good, "id": "I10-nighttime", "title": "夜间高血压", "synonyms": ["夜间血压高"], "medquad_id": None}
    (entries_folder / "zz_more.json").write_text(json.dumps([second], ensure_ascii=False), encoding="utf-8")
    written_count = len(_loaded_entries()) + 1

    out, _ = run_import(encyclopedia_data, "--as-drafts", "--zh-entries", entries_folder)
    assert f"{written_count} saved as drafts for review" in out
    page = zh_page("icd10-cn:I10")
    # Live: the ICD-10 text as before. Draft: the studio's entry, waiting for the hospital.
    assert page.live and page.title == "特发性(原发性)高血压" and not page.references
    assert page.has_unpublished_changes
    draft = page.get_latest_revision_as_object()
    assert draft.title == "高血压" and draft.licence == STUDIO_ATTRIBUTION and len(draft.references) == 2
    assert "<h1>特发性(原发性)高血压</h1>" in client.get(page.url).content.decode()
    own = zh_page("kepu-zh:I10-nighttime")
    assert not own.live and own.get_latest_revision_as_object().title == "夜间高血压"
    assert client.get(own.url or "/zh-hans/encyclopedia/missing/").status_code == 404
    # The editor sees the draft in the admin.
    client.force_login(people["editor"])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert in_admin_form("收缩压", edit)

    # Again: no new revisions.
    revisions = {p.pk: p.latest_revision_id for p in EncyclopediaEntry.objects.all()}
    out, _ = run_import(encyclopedia_data, "--as-drafts", "--zh-entries", entries_folder)
    assert "0 created, 0 updated" in out and "0 saved as drafts" in out
    assert {p.pk: p.latest_revision_id for p in EncyclopediaEntry.objects.all()} == revisions

    # The hospital approves it: the written text goes live, and a later --as-drafts leaves it alone.
    page.get_latest_revision().publish()
    assert "<h1>高血压</h1>" in client.get(page.url).content.decode()
    out, _ = run_import(encyclopedia_data, "--as-drafts", "--zh-entries", entries_folder)
    assert "0 saved as drafts" in out
    assert zh_page("icd10-cn:I10").title == "高血压"


@pytest.mark.django_db
def test_as_drafts_after_a_published_import_does_not_revert_live_text(studio, encyclopedia_data, entries_folder):
    run_import(encyclopedia_data, "--zh-entries", entries_folder)
    path = hypertension_file(entries_folder)
    items = json.loads(path.read_text(encoding="utf-8"))
    next(item for item in items if item["id"] == "I10")["summary"] = "修订后的摘要。"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    out, _ = run_import(encyclopedia_data, "--as-drafts", "--zh-entries", entries_folder)
    assert "1 saved as drafts" in out
    page = zh_page("icd10-cn:I10")
    assert page.title == "高血压" and page.summary != "修订后的摘要。"  # live text unchanged
    assert page.get_latest_revision_as_object().summary == "修订后的摘要。"
    # A normal import publishes it, and the admin's newest revision is what is live.
    out, _ = run_import(encyclopedia_data, "--zh-entries", entries_folder)
    page = zh_page("icd10-cn:I10")
    assert "1 updated" in out and page.summary == "修订后的摘要。" and not page.has_unpublished_changes
    assert page.get_latest_revision_as_object().summary == "修订后的摘要。"
    assert page.live_revision_id == page.latest_revision_id


# Starting an article -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chinese_doctor_starts_from_a_written_entry_and_gets_its_sections_and_references(client, encyclopedia, people):
    page = zh_page("icd10-cn:I10")
    client.force_login(people["doctor_a"])
    chooser = client.get(reverse("articles_choose_entry"), {"q": "高血压"}).content.decode()
    start_url = reverse("articles_start_from_entry", args=[page.pk])
    assert start_url in chooser
    response = client.post(start_url)
    article = Article.objects.get(source_entry=page)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert article.title == "高血压" and article.locale.language_code == "zh-hans" and not article.live
    assert article.summary == page.summary
    headings = [block.value for block in article.body if block.block_type == "heading"]
    assert headings == [heading for _kind, heading, _html in page.section_items()]
    assert headings[:3] == ["概述", "症状", "病因"] and headings[-1] == "何时就医"
    paragraphs = [block.value.source for block in article.body if block.block_type == "paragraph"]
    assert "收缩压" in paragraphs[0] and "120" in paragraphs[-1]
    citations = [ref["citation"] for ref in article.body[-1].value["references"]]
    assert citations[0].startswith("高血压 · 科普工作室")
    assert any("中国高血压防治指南（2024年修订版）" in citation for citation in citations)
    assert any("国家基层高血压防治管理指南2020版" in citation for citation in citations)
    # The draft opens in the editor with the text in place.
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert in_admin_form("收缩压", edit) and in_admin_form("中国高血压防治指南", edit)
