"""Who may do what in the admin: doctors write and edit only their own articles, editors review all,
and nobody sees a draft on the public site."""

import pytest
from django.urls import reverse
from wagtail.rich_text import RichText

from cms.articles.models import Article
from tests.admin_forms import article_form
from tests.builders import draft_article


def create_article(index, owner, title, *, publish_by=None):
    article = draft_article(
        index,
        owner,
        title,
        slug=title.lower().replace(" ", "-"),
        summary="s",
        body=[("paragraph", RichText("<p>Drink water.</p>"))],
    )
    if publish_by:
        article.latest_revision.publish(user=publish_by)
    article.refresh_from_db()
    return article


@pytest.mark.django_db
def test_doctor_creates_an_article_through_the_admin_and_owns_it(client, studio, people):
    index = studio["zh-hans"]["articles"]
    client.force_login(people["doctor_a"])
    url = reverse("wagtailadmin_pages:add", args=["articles", "article", index.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, article_form("Salt and blood pressure", "Eat less than 5 g of salt a day."))
    assert response.status_code == 302, response.content[:2000]
    article = Article.objects.get(title="Salt and blood pressure")
    assert article.owner == people["doctor_a"]
    assert article.doctor.name == "张医生"  # filled in from the author's profile
    assert not article.live  # a doctor saves a draft; it is not public


@pytest.mark.django_db
def test_doctor_cannot_edit_another_doctors_article(client, studio, people):
    index = studio["zh-hans"]["articles"]
    theirs = create_article(index, people["doctor_b"], "Doctor B article")
    mine = create_article(index, people["doctor_a"], "Doctor A article")
    client.force_login(people["doctor_a"])
    assert client.get(reverse("wagtailadmin_pages:edit", args=[mine.pk])).status_code == 200
    response = client.get(reverse("wagtailadmin_pages:edit", args=[theirs.pk]))
    assert response.status_code in (302, 403)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[theirs.pk]), article_form("Hijacked", "changed"))
    assert response.status_code in (302, 403)
    theirs.refresh_from_db()
    assert theirs.title == "Doctor B article"
    assert theirs.get_latest_revision().content["title"] == "Doctor B article"


@pytest.mark.django_db
def test_editor_may_edit_any_article(client, studio, people):
    index = studio["en"]["articles"]
    article = create_article(index, people["doctor_b"], "Doctor B english")
    client.force_login(people["editor"])
    assert client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).status_code == 200


@pytest.mark.django_db
def test_doctor_cannot_publish_directly(client, studio, people):
    index = studio["zh-hans"]["articles"]
    article = create_article(index, people["doctor_a"], "Needs review")
    client.force_login(people["doctor_a"])
    data = article_form("Needs review", "Try to publish")
    data["action-publish"] = "action-publish"
    client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    article.refresh_from_db()
    assert not article.live


@pytest.mark.django_db
def test_drafts_are_never_public(client, studio, people):
    index = studio["en"]["articles"]
    draft = create_article(index, people["doctor_a"], "Secret draft")
    published = create_article(index, people["doctor_a"], "Public article", publish_by=people["editor"])
    assert client.get(published.url).status_code == 200
    assert client.get(f"/en/articles/{draft.slug}/").status_code == 404
    # Nor through the API or search.
    api = client.get("/api/v2/pages/", {"type": "articles.Article", "fields": "title"}).json()
    assert [item["title"] for item in api["items"]] == ["Public article"]
    results = client.get("/search/", {"q": "article draft", "type": "articles"}).content.decode()
    assert results.count("secret-draft") == 0
    results = client.get("/search/", {"q": "secret"}).content.decode()
    assert "/articles/secret-draft/" not in results
    # A doctor who is not the owner cannot preview it in the admin either.
    client.force_login(people["doctor_b"])
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[draft.pk]))
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_outsider_cannot_reach_the_admin(client, studio, people):
    client.force_login(people["outsider"])
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302 and "login" in response["Location"]
