"""The words people type: the Chinese medical lexicon, exact-name ranking, pinyin and the other language.

Recall is measured through the public search page over every ICD-10 category, on the two halves of
the query list in tests/data: the development half (the lexicon may be tuned on it) and the held-out
half (written before the lexicon, never edited).
"""

from __future__ import annotations

import csv
import html
import os
import re
from io import StringIO
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
RESULT = re.compile(
    r'<li lang="(?P<lang>[^"]+)">\s*<h2><a href="(?P<url>[^"]*)">(?P<title>[^<]*)</a>(?P<rest>.*?)</li>', re.S
)
CODES = re.compile(r'<span class="codes">ICD-10 (?P<codes>[^<]*)</span>')
# Floors under the top-3 hit rates measured when the lexicon was written (see the report in the
# commit message); a drop below them means the lexicon, segmentation or ranking got worse.
DEV_FLOOR = 0.95
HELDOUT_FLOOR = 0.85


def read_queries(name: str) -> list[tuple[str, set[str]]]:
    lines = [
        line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    return [(row["query"], set(row["codes"].split(","))) for row in csv.DictReader(lines, delimiter="\t")]


def results(client, query: str, **params) -> list[dict]:
    """The search page's results in order: title, lang attribute and ICD-10 codes."""
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    found = []
    for match in RESULT.finditer(response.content.decode()):
        codes = CODES.search(match["rest"])
        found.append(
            {
                "title": html.unescape(match["title"]).strip(),
                "lang": match["lang"],
                "url": match["url"],
                "codes": {code.strip() for code in codes["codes"].split(",")} if codes else set(),
            }
        )
    return found


def top3_hit(client, query: str, expected: set[str]) -> bool:
    chinese = [result for result in results(client, query, type="entries") if result["lang"] == "zh-Hans"]
    return any(result["codes"] & expected for result in chinese[:3])


def recall(client, name: str) -> tuple[float, list[str]]:
    queries = read_queries(name)
    misses = [query for query, expected in queries if not top3_hit(client, query, expected)]
    return 1 - len(misses) / len(queries), misses


def test_query_lists_are_large_and_disjoint():
    dev, heldout = read_queries("search_queries_dev.tsv"), read_queries("search_queries_heldout.tsv")
    assert len(dev) >= 100 and len(heldout) >= 100
    assert not {query for query, _ in dev} & {query for query, _ in heldout}


@pytest.mark.django_db
def test_top3_recall_on_both_halves_of_the_query_list(client, full_encyclopedia, capsys):
    dev, dev_misses = recall(client, "search_queries_dev.tsv")
    heldout, heldout_misses = recall(client, "search_queries_heldout.tsv")
    with capsys.disabled():
        print(
            f"\ntop-3 recall: dev {dev:.1%} (misses: {'、'.join(dev_misses) or '-'}); "
            f"held-out {heldout:.1%} (misses: {'、'.join(heldout_misses) or '-'})"
        )
    assert dev >= DEV_FLOOR, dev_misses
    assert heldout >= HELDOUT_FLOOR, heldout_misses


KEPT_PREFIXES = ("C2", "C5", "E1", "I1", "I2", "I6", "J4", "K7", "M1", "M4", "M5", "O1", "R7")


@pytest.fixture
def common_encyclopedia(studio, full_encyclopedia_data):
    """The sample English entries and the ICD-10 categories of the named examples' neighbourhoods (fast set-up)."""
    from django.core.management import call_command

    categories = full_encyclopedia_data / "icd10-cn" / "categories.tsv"
    lines = categories.read_text(encoding="utf-8").splitlines()
    categories.write_text(
        "\n".join([lines[0]] + [line for line in lines[1:] if line.startswith(KEPT_PREFIXES)]) + "\n", encoding="utf-8"
    )
    call_command("import_encyclopedia", str(full_encyclopedia_data), "--no-progress", stdout=StringIO())
    return studio


NAMED = [("脑出血", "I61"), ("肝癌", "C22"), ("宫颈癌", "C53"), ("脂肪肝", "K76"), ("颈椎病", "M47"), ("高血糖", "R73")]


def category_title(code: str) -> str:
    """The title of an ICD-10 category's page (the ICD name, or the title of the studio's written entry)."""
    from cms.encyclopedia.models import EncyclopediaEntry

    return EncyclopediaEntry.objects.get(source_id=f"icd10-cn:{code}").title


@pytest.mark.django_db
def test_named_examples_are_found_on_the_search_page_the_api_and_in_the_admin(
    client, common_encyclopedia, django_user_model
):
    from django.urls import reverse

    admin = django_user_model.objects.create_superuser("searcher", "searcher@example.org", "pw")
    for query, code in NAMED:
        chinese = [result for result in results(client, query) if result["lang"] == "zh-Hans"]
        assert code in {c for result in chinese[:3] for c in result["codes"]}, (query, chinese[:3])
        api = client.get(
            "/api/v2/pages/",
            {"search": query, "type": "encyclopedia.EncyclopediaEntry", "fields": "icd10_codes", "limit": 3},
        ).json()["items"]
        assert code in {c.strip() for item in api for c in item["icd10_codes"].split(",")}, (query, api)
    client.force_login(admin)
    for query, code in NAMED:
        response = client.get(reverse("wagtailadmin_pages:search"), {"q": query})
        assert response.status_code == 200 and category_title(code) in response.content.decode(), query


@pytest.mark.django_db
def test_an_exact_title_or_synonym_ranks_above_partial_matches(client, common_encyclopedia):
    found = [result for result in results(client, "高血压", type="entries") if result["lang"] == "zh-Hans"]
    assert found[0]["codes"] == {"I10"}, found[:3]
    pregnancy = [position for position, result in enumerate(found) if result["codes"] & {"O13", "O14"}]
    assert pregnancy and min(pregnancy) > 0
    # 心肌梗死 is a synonym of I21 (急性心肌梗死) and a word of I22 and I23.
    found = [result for result in results(client, "心肌梗死", type="entries") if result["lang"] == "zh-Hans"]
    assert found[0]["codes"] == {"I21"} and {"I22", "I23"} <= {c for result in found for c in result["codes"]}
    # The lexicon's names show on the entry page as "又称".
    entry = next(result for result in results(client, "脑出血") if result["codes"] == {"I61"})
    page = client.get(entry["url"]).content.decode()
    assert "又称" in page and "脑出血" in page and "脑溢血" in page


@pytest.mark.django_db
def test_pinyin_finds_the_chinese_entry(client, common_encyclopedia):
    for query in ["gaoxueya", "gao xue ya", "Gāo Xuè Yā", "GAOXUEYA", "gao1 xue4 ya1", "gao'xue'ya"]:
        found = [result for result in results(client, query, type="entries") if result["lang"] == "zh-Hans"]
        assert found and found[0]["codes"] == {"I10"}, (query, found[:3])
    api = client.get(
        "/api/v2/pages/", {"search": "gaoxueya", "type": "encyclopedia.EncyclopediaEntry", "fields": "icd10_codes"}
    ).json()["items"]
    assert api[0]["icd10_codes"] == "I10"
    # Lexicon names have pinyin too, in the characters' usual readings as well as in context (出血: chuxie, chuxue).
    for query in ["naochuxue", "naochuxie", "ganai", "xingeng"]:
        found = [result for result in results(client, query, type="entries") if result["lang"] == "zh-Hans"]
        assert found and found[0]["codes"] & {"I61", "C22", "I21"}, (query, found[:3])
    # 'xueya' (血压) is a word of many titles: found, not necessarily first.
    assert "I10" in {c for result in results(client, "xueya", type="entries") for c in result["codes"]}


@pytest.mark.django_db
def test_a_query_also_returns_the_linked_entry_in_the_other_language(client, common_encyclopedia):
    for query, other in [
        ("高血压", "High Blood Pressure"),
        ("心梗", "Heart Attack"),
        ("2型糖尿病", "Diabetes Type 2"),
        ("痛风", "Gout"),
        ("heart attack", category_title("I21")),
        ("high blood pressure", category_title("I10")),
        ("Myocardial infarction", category_title("I21")),
    ]:
        found = results(client, query)
        titles = [result["title"] for result in found]
        assert other in titles, (query, titles)
        query_language = "zh-Hans" if re.search(r"[\u4e00-\u9fff]", query) else "en"
        assert found[titles.index(other)]["lang"] != query_language
        # Entries in the query's own language come first.
        assert found[0]["lang"] == query_language, (query, found[0])
        api = client.get("/api/v2/pages/", {"search": query, "type": "encyclopedia.EncyclopediaEntry"}).json()["items"]
        assert other in [item["title"] for item in api], query


@pytest.mark.django_db
def test_admin_page_chooser_and_admin_search_find_chinese_titles(client, encyclopedia, django_user_model):
    import io

    from django.core.management import call_command
    from django.urls import reverse

    call_command("load_demo", stdout=io.StringIO())
    admin = django_user_model.objects.create_superuser("chooser", "chooser@example.org", "pw")
    client.force_login(admin)
    title = "在家测血压：五个步骤测得准"
    for query in ["在家测血压", "测血压", "五个步骤", "在家测血压：五个步骤测得准"]:
        response = client.get(reverse("wagtailadmin_choose_page_search"), {"q": query})
        assert response.status_code == 200 and title in response.content.decode(), query
        response = client.get(reverse("wagtailadmin_pages:search"), {"q": query})
        assert response.status_code == 200 and title in response.content.decode(), query
    # English titles are still found, and a Chinese query does not return everything.
    english = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "blood pressure"}).content.decode()
    assert "blood pressure" in english.lower()
    unrelated = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "痛风"}).content.decode()
    assert title not in unrelated


@pytest.mark.django_db
def test_elasticsearch_documents_and_queries_carry_the_names_without_a_server(encyclopedia):
    """The Elasticsearch code path: the document sent for an entry and the query body for a name."""
    from cms.encyclopedia.models import EncyclopediaEntry
    from cms.search.backends.elasticsearch import ChineseElasticsearchBackend
    from cms.search.names import name_key, pinyin_key

    backend = ChineseElasticsearchBackend({"URLS": ["http://127.0.0.1:9"], "INDEX_PREFIX": "kepu-test_"})
    entry = EncyclopediaEntry.objects.get(icd10_codes="I10", locale__language_code="zh-hans")
    assert "高血压" in [entry.title, *entry.synonym_list]
    document = backend.mapping_class(EncyclopediaEntry).get_document(entry)
    keys = document["encyclopedia_encyclopediaentry__search_keys"].split()
    assert name_key("高血压") in keys and name_key(entry.title) in keys
    assert "gaoxueya" in keys and pinyin_key("gaoxueya") in keys
    mapping = backend.mapping_class(EncyclopediaEntry).get_mapping()["properties"]
    assert "_all_text_boost_10_0" in mapping["encyclopedia_encyclopediaentry__search_keys"]["copy_to"]
    english = EncyclopediaEntry.objects.get(title="High Blood Pressure")
    assert (
        entry.title
        in backend.mapping_class(EncyclopediaEntry).get_document(english)[
            "encyclopedia_encyclopediaentry__linked_names"
        ]
    )

    body = str(backend.search("高血压", EncyclopediaEntry).query_compiler.get_query())
    assert "'高血压'" in body and name_key("高血压") in body
    body = str(backend.search("gao xue ya", EncyclopediaEntry).query_compiler.get_query())
    assert "'gaoxueya'" in body and pinyin_key("gaoxueya") in body
    # Lexicon words stay whole in the query, as on the database backends (each word needs all its bigrams).
    body = str(backend.search("腰突 老慢支", EncyclopediaEntry).query_compiler.get_query())
    assert "'query': '腰突', 'operator': 'and'" in body and "'query': '老慢支', 'operator': 'and'" in body


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set: no Elasticsearch server here"
)
def test_elasticsearch_finds_lexicon_names_pinyin_and_the_other_language(client, studio, full_encyclopedia_data):
    from django.core.management import call_command
    from django.test import override_settings

    categories = full_encyclopedia_data / "icd10-cn" / "categories.tsv"
    lines = categories.read_text(encoding="utf-8").splitlines()
    categories.write_text(
        "\n".join([lines[0]] + [line for line in lines[1:] if line.startswith(KEPT_PREFIXES)]) + "\n", encoding="utf-8"
    )
    backends = {
        "default": {
            "BACKEND": "cms.search.backends.elasticsearch",
            "URLS": [os.environ["ELASTICSEARCH_URL"]],
            "INDEX_PREFIX": "kepu-test-zh_",
            "AUTO_UPDATE": True,
        }
    }
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        call_command("import_encyclopedia", str(full_encyclopedia_data), "--no-progress", stdout=StringIO())
        call_command("update_index", stdout=StringIO())
        for query, code in NAMED:
            chinese = [result for result in results(client, query, type="entries") if result["lang"] == "zh-Hans"]
            assert code in {c for result in chinese[:3] for c in result["codes"]}, (query, chinese[:3])
        found = [result for result in results(client, "高血压", type="entries") if result["lang"] == "zh-Hans"]
        assert found[0]["codes"] == {"I10"}
        found = [result for result in results(client, "gao xue ya", type="entries") if result["lang"] == "zh-Hans"]
        assert found[0]["codes"] == {"I10"}
        assert "High Blood Pressure" in [result["title"] for result in results(client, "高血压")]
        assert category_title("I21") in [result["title"] for result in results(client, "heart attack")]
