"""Search in Chinese and English, through the site search page and the Wagtail API."""

import os

import pytest
from django.test import override_settings


def titles_on_search_page(client, query, **params) -> str:
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["血压", "高血压"])
def test_chinese_word_inside_a_longer_word_is_found(client, encyclopedia, query):
    assert ">高血压</a>" in titles_on_search_page(client, query)  # I10, under its everyday name


@pytest.mark.django_db
def test_the_official_icd_name_still_finds_the_written_entry(client, encyclopedia):
    assert ">高血压</a>" in titles_on_search_page(client, "特发性高血压")


@pytest.mark.django_db
def test_diabetes_finds_the_non_insulin_dependent_entry(client, encyclopedia):
    assert ">2型糖尿病</a>" in titles_on_search_page(client, "糖尿病")  # E11 非胰岛素依赖型糖尿病, everyday name
    assert ">2型糖尿病</a>" in titles_on_search_page(client, "非胰岛素依赖型糖尿病")


@pytest.mark.django_db
def test_english_synonym_finds_the_entry(client, encyclopedia):
    page = titles_on_search_page(client, "Gouty arthritis")
    assert ">Gout<" in page or "Gout</a>" in page


@pytest.mark.django_db
def test_title_matches_rank_first(client, encyclopedia):
    from cms.encyclopedia.models import EncyclopediaEntry

    results = list(EncyclopediaEntry.objects.live().search("heart attack"))
    assert results[0].title == "Heart Attack"
    results = list(EncyclopediaEntry.objects.live().search("高血压"))
    assert results[0].title == "高血压"


@pytest.mark.django_db
def test_nonsense_gives_a_no_results_page_not_an_error(client, encyclopedia):
    for query in ["zzqxv", "（）", '"', "AND OR NOT", "*", "高血压 OR (", "a" * 500]:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200


@pytest.mark.django_db
def test_api_v2_pages_search_in_chinese_and_english(client, encyclopedia):
    response = client.get(
        "/api/v2/pages/", {"search": "血压", "type": "encyclopedia.EncyclopediaEntry", "fields": "icd10_codes,summary"}
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert "高血压" in [item["title"] for item in items]
    hypertension = next(item for item in items if item["title"] == "高血压")
    assert hypertension["icd10_codes"] == "I10"
    response = client.get("/api/v2/pages/", {"search": "Gouty arthritis", "type": "encyclopedia.EncyclopediaEntry"})
    assert response.json()["items"][0]["title"] == "Gout"


@pytest.mark.django_db
def test_api_detail_exposes_sections_and_attribution(client, encyclopedia):
    from cms.encyclopedia.models import EncyclopediaEntry

    gout = EncyclopediaEntry.objects.get(title="Gout")
    data = client.get(f"/api/v2/pages/{gout.pk}/").json()
    assert data["synonym_list"] == ["Gouty arthritis"]
    assert data["sections"][0]["type"] == "overview"
    assert "CC BY 4.0" in data["licence"]


def test_elasticsearch_backend_configures_a_cjk_analyzer():
    """Without a server: the index settings the backend would send to Elasticsearch."""
    from cms.search.backends.elasticsearch import ChineseElasticsearchBackend

    backend = ChineseElasticsearchBackend({"URLS": ["http://127.0.0.1:9"], "INDEX_PREFIX": "kepu-test_"})
    analysis = backend.settings["settings"]["analysis"]
    default = analysis["analyzer"]["default"]
    assert "kepu_cjk_bigram" in default["filter"] and "lowercase" in default["filter"]
    assert analysis["filter"]["kepu_cjk_bigram"] == {"type": "cjk_bigram", "output_unigrams": True}
    # Wagtail's own autocomplete analyzers are kept.
    assert "edgengram_analyzer" in analysis["analyzer"]
    # The class-level settings of Wagtail's backend are not modified.
    from modelsearch.backends.elasticsearch8 import Elasticsearch8SearchBackend

    assert "kepu_cjk_bigram" not in str(Elasticsearch8SearchBackend.settings)


@pytest.mark.django_db
def test_elasticsearch_query_is_segmented_like_the_database_backend():
    from cms.search.segmentation import segment_for_index, segment_query

    assert segment_query("高血压病人").split() == ["高血压", "病人"]
    assert "血压" in segment_for_index("特发性(原发性)高血压").split()
    assert segment_query("Gouty arthritis") == "Gouty arthritis"


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set: no Elasticsearch server here"
)
def test_elasticsearch_integration(client, studio, encyclopedia_data):
    from django.core.management import call_command

    backends = {
        "default": {
            "BACKEND": "cms.search.backends.elasticsearch",
            "URLS": [os.environ["ELASTICSEARCH_URL"]],
            "INDEX_PREFIX": "kepu-test_",
            "AUTO_UPDATE": True,
        }
    }
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        call_command("import_encyclopedia", str(encyclopedia_data), "--no-progress")
        call_command("update_index")
        assert ">高血压</a>" in titles_on_search_page(client, "血压")
        assert "Gout" in titles_on_search_page(client, "Gouty arthritis")
