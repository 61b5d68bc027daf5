"""API v2 answers malformed parameters with 400 and a message, never a 500."""

from __future__ import annotations

import pytest

BAD_QUERIES = [
    "offset=99999999999999999999",
    "limit=5&offset=18446744073709551616",
    "search=血压&search_operator=xor",
    "search=血压&search_operator=",
    "id=99999999999999999999",
    "child_of=99999999999999999999",
    "search=" + "x" * 5000,
    "search=%00",
    "offset=1e3",
]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["pages", "images"])
@pytest.mark.parametrize("query", BAD_QUERIES)
def test_malformed_api_parameters_get_a_400_with_a_message(client, studio, endpoint, query):
    response = client.get(f"/api/v2/{endpoint}/?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert response.json()["message"]


@pytest.mark.django_db
def test_valid_operator_and_offset_still_work(client, studio):
    response = client.get("/api/v2/pages/?search=血压&search_operator=and&offset=0&limit=5")
    assert response.status_code == 200
    assert "items" in response.json()


@pytest.mark.django_db
def test_searching_the_images_api_works(client, studio):
    response = client.get("/api/v2/images/?search=心脏")
    assert response.status_code == 200 and response.json()["items"] == []
