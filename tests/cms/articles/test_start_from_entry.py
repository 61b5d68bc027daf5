"""A doctor starts an article from an encyclopedia entry in the admin."""

import pytest
from django.urls import reverse

from cms.articles.models import Article
from cms.encyclopedia.models import EncyclopediaEntry


@pytest.mark.django_db
def test_doctor_starts_a_draft_prefilled_from_an_entry(client, encyclopedia, people):
    entry = EncyclopediaEntry.objects.get(source_id="1_CancerGov_QA/0000001_1")
    client.force_login(people["doctor_a"])
    # The button is offered on the entry's admin page.
    edit_page = client.get(reverse("wagtailadmin_pages:edit", args=[entry.pk]))
    start_url = reverse("articles_start_from_entry", args=[entry.pk])
    assert client.get(start_url).status_code == 200
    response = client.post(start_url)
    article = Article.objects.get(source_entry=entry)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert article.owner == people["doctor_a"] and not article.live
    assert article.locale == entry.locale and list(article.related_entries.all()) == [entry]
    kinds = [block.block_type for block in article.body]
    assert kinds[:2] == ["heading", "paragraph"] and kinds[-1] == "references"
    headings = [block.value for block in article.body if block.block_type == "heading"]
    assert headings[:3] == ["Overview", "Symptoms", "Diagnosis and tests"]
    reference = article.body[-1].value["references"][0]
    assert "CC BY 4.0" in reference["citation"] and reference["url"] == entry.source_url
    # The doctor can keep editing it; the public cannot see it.
    assert client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).status_code == 200
    client.logout()
    assert client.get(f"/en/articles/{article.slug}/").status_code == 404
    assert edit_page.status_code == 302  # doctors may not edit encyclopedia entries themselves


@pytest.mark.django_db
def test_people_without_article_rights_cannot_start_one(client, encyclopedia, people):
    entry = EncyclopediaEntry.objects.get(title="Gout")
    client.force_login(people["outsider"])
    response = client.post(reverse("articles_start_from_entry", args=[entry.pk]))
    assert response.status_code in (302, 403)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_chinese_entry_starts_a_chinese_article(client, encyclopedia, people):
    entry = EncyclopediaEntry.objects.get(icd10_codes="M10", locale__language_code="zh-hans")
    client.force_login(people["doctor_a"])
    client.post(reverse("articles_start_from_entry", args=[entry.pk]))
    article = Article.objects.get(source_entry=entry)
    assert article.locale.language_code == "zh-hans" and article.title == "痛风"
    assert article.get_parent().specific_class.__name__ == "ArticleIndexPage"


@pytest.mark.django_db
def test_doctors_find_entries_to_start_from_in_their_own_admin_page(client, encyclopedia, people):
    """Doctors cannot browse entries in the page explorer, so they get a search page of their own."""
    client.force_login(people["doctor_a"])
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("articles_choose_entry") in dashboard  # the menu item
    page = client.get(reverse("articles_choose_entry"), {"q": "血压"}).content.decode()
    hypertension = EncyclopediaEntry.objects.get(icd10_codes="I10", locale__language_code="zh-hans")
    assert hypertension.title in page
    assert reverse("articles_start_from_entry", args=[hypertension.pk]) in page
    english = client.get(reverse("articles_choose_entry"), {"q": "Gouty arthritis", "language": "en"}).content.decode()
    assert "Gout" in english and "特发性" not in english
    client.force_login(people["outsider"])
    assert client.get(reverse("articles_choose_entry")).status_code in (302, 403)
