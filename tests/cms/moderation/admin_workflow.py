"""A doctor writing and submitting an article through the admin's page views, and the URLs of the review's actions."""

from __future__ import annotations

from django.urls import reverse

from cms.articles.models import Article
from tests import admin_forms

SAFE_TEXT = "多喝水，少吃盐。每天盐的摄入量最好控制在一个啤酒瓶盖左右。"
FORBIDDEN_CLAIM = "本药可根治高血压，无效退款。"


def article_form(title: str, text: str, slug: str = "") -> dict:
    return admin_forms.article_form(title, text, slug, summary="简短摘要。")


def write_article(client, admin_post, index, author, title, text, *, submit=True) -> Article:
    client.force_login(author)
    response = admin_post(
        reverse("wagtailadmin_pages:add", args=["articles", "article", index.pk]), article_form(title, text)
    )
    assert response.status_code == 302, response.content[:2000]
    article = Article.objects.get(title=title)
    if submit:
        submit_edit(client, admin_post, article, title, text)
    return Article.objects.get(pk=article.pk)


def submit_edit(client, admin_post, article, title, text):
    data = article_form(title, text, slug=article.slug)
    data["action-submit"] = "action-submit"
    response = admin_post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert response.status_code == 302, response.content[:2000]


def workflow_action_url(article, action: str) -> str:
    task_state = Article.objects.get(pk=article.pk).current_workflow_task_state
    return reverse("wagtailadmin_pages:workflow_action", args=[article.pk, action, task_state.pk])
