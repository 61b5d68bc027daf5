"""Related encyclopedia entries are chosen by searching, so the article editor does not carry the whole encyclopedia."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.rich_text import RichText

from cms.articles.models import Article
from cms.core.bulk_pages import insert_child_pages
from cms.encyclopedia.models import EncyclopediaEntry
from tests import admin_forms

pytestmark = pytest.mark.django_db

EDITOR_SIZE_LIMIT = 400 * 1024


def _many_entries(parent, count: int, prefix: str) -> list[EncyclopediaEntry]:
    entries = [
        EncyclopediaEntry(
            title=f"{prefix} 病种 {number:04d}",
            slug=f"{prefix.lower()}-{number}",
            locale=parent.locale,
            summary=f"{prefix} 第 {number} 个条目。",
            icd10_codes=f"Z{number % 100:02d}",
        )
        for number in range(count)
    ]
    insert_child_pages(parent, entries)
    return list(EncyclopediaEntry.objects.filter(slug__startswith=prefix.lower() + "-"))


@pytest.fixture
def article(encyclopedia, people):
    index = encyclopedia["zh-hans"]["articles"]
    article = Article(
        title="高血压的日常管理",
        slug="bp-daily",
        owner=people["doctor_a"],
        body=[("paragraph", RichText("<p>每天量血压。</p>"))],
    )
    article.related_entries = [EncyclopediaEntry.objects.get(source_id="icd10-cn:I10")]
    index.add_child(instance=article)
    article.save_revision(user=people["doctor_a"])
    return article


def _editor_html(client, article) -> bytes:
    response = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert response.status_code == 200
    return response.content


def test_editor_size_does_not_grow_with_the_encyclopedia(client, encyclopedia, people, article):
    client.force_login(people["doctor_a"])
    before = _editor_html(client, article)
    zh_encyclopedia = encyclopedia["zh-hans"]["encyclopedia"]
    added = _many_entries(zh_encyclopedia, 2000, "Bulk")
    after = _editor_html(client, article)
    assert len(after) < EDITOR_SIZE_LIMIT, len(after)
    assert abs(len(after) - len(before)) < 2048, (len(before), len(after))  # 2,000 more entries, same page
    text = after.decode()
    assert added[0].title not in text
    # The chosen entry is shown (by title, with its code) and posted back as a hidden value.
    chosen = article.related_entries.get()
    assert chosen.title in text and f'name="related_entries" value="{chosen.pk}"' in text
    assert 'data-controller="kepu-entry-chooser"' in text and "entry-chooser.js" in text


def _search(client, query: str) -> list[dict]:
    response = client.get(reverse("encyclopedia_entry_search"), {"q": query})
    assert response.status_code == 200
    return response.json()["results"]


def test_search_finds_chinese_and_english_titles_codes_and_word_starts(client, encyclopedia, people):
    client.force_login(people["doctor_a"])
    hypertension = EncyclopediaEntry.objects.get(source_id="icd10-cn:I10")
    gout = (
        EncyclopediaEntry.objects.filter(title="Gout").first()
        or EncyclopediaEntry.objects.filter(locale__language_code="en").first()
    )
    # A whole Chinese title, the start of one, a part of one, an ICD-10 code, an English title and its start.
    assert _search(client, hypertension.title)[0]["id"] == hypertension.pk
    assert hypertension.pk in [row["id"] for row in _search(client, "高血")]
    assert hypertension.pk in [row["id"] for row in _search(client, "原发性")]
    assert _search(client, "I10")[0]["id"] == hypertension.pk
    assert gout.pk in [row["id"] for row in _search(client, gout.title)]
    assert gout.pk in [row["id"] for row in _search(client, gout.title[:3].lower())]
    row = _search(client, hypertension.title)[0]
    assert row["language"] == "中文" and row["codes"].startswith("I10") and row["title"] == hypertension.title
    assert _search(client, "") == [] and _search(client, "并不存在的病名xyz") == []
    assert len(_search(client, "病")) <= 20


def test_drafts_are_not_offered(client, encyclopedia, people):
    entry = EncyclopediaEntry.objects.filter(locale__language_code="zh-hans").first()
    entry.unpublish()
    client.force_login(people["doctor_a"])
    assert entry.pk not in [row["id"] for row in _search(client, entry.title)]


def test_search_needs_an_admin_login(client, encyclopedia):
    response = client.get(reverse("encyclopedia_entry_search"), {"q": "高血压"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_choosing_entries_through_the_editor_form(
    client, encyclopedia, people, article, django_capture_on_commit_callbacks
):
    """The form posts the chosen ids as the search widget leaves them; removing all clears the relation."""
    diabetes = EncyclopediaEntry.objects.get(source_id="icd10-cn:E11")
    gout = EncyclopediaEntry.objects.filter(locale__language_code="en").first()
    client.force_login(people["doctor_a"])
    data = admin_forms.article_form(article.title, "每天量血压。", slug=article.slug)
    data["related_entries"] = [str(diabetes.pk), str(gout.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    saved = Article.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert {entry.pk for entry in saved.related_entries.all()} == {diabetes.pk, gout.pk}
    html = _editor_html(client, article).decode()
    assert diabetes.title in html and gout.title in html

    data.pop("related_entries")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert list(Article.objects.get(pk=article.pk).get_latest_revision_as_object().related_entries.all()) == []

    data["related_entries"] = ["999999"]  # an id that is not an entry: a form error, nothing lost
    response = client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert response.status_code == 200 and "999999" in response.content.decode()
