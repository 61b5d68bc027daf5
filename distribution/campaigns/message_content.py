"""What a delivery says: the article (in the patient's language) or the reminder, and its link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Locale

from cms.articles.models import Article
from cms.core.languages import site_language
from cms.core.publication import approved_pages, approved_revision_id
from distribution.channels import NoticeWording
from distribution.sharing.models import share_link_for

from .models import Delivery, FollowUpStep, campaign_audience_key

# Ledger rows outside campaigns and plans: the welcome message after a patient joins (distribution.joining).
WELCOME_STEP_PREFIX = "welcome:"

__all__ = ["WELCOME_STEP_PREFIX", "MessageContent", "ContentUnavailable", "ContentResolver", "article_for_language"]


class ClaimedRow(Protocol):
    """What content resolution reads from a claimed delivery (a ``Delivery`` has these too)."""

    article_id: int | None
    campaign_id: int | None
    step_id: int | None
    language: str
    step_key: str


class ContentUnavailable(Exception):
    """The content can no longer be sent (article unpublished or deleted); the delivery dies."""


@dataclass(frozen=True)
class MessageContent:
    title: str
    summary: str
    url: str
    language: str


def article_for_language(article: Article, language: str) -> Article:
    """The live translation of ``article`` in ``language``, or the article itself."""
    if article.locale.language_code == language:
        return article
    locale = Locale.objects.filter(language_code=language).first()
    translation = article.get_translation_or_none(locale) if locale else None
    if translation is not None and approved_revision_id(translation) is not None:
        return translation.specific
    return article


def newest_article_tagged(tag: str, language: str, doctor_id: int | None) -> Article | None:
    articles = approved_pages(Article.objects).filter(tags__name=tag).order_by("-first_published_at", "-pk")
    if doctor_id is not None:
        own = articles.filter(doctor_id=doctor_id).first()
        if own is not None:
            return article_for_language(own, language)
    article = articles.first()
    return article_for_language(article, language) if article else None


def reminder_url(step: FollowUpStep, language: str) -> str:
    path = reverse("campaigns:reminder", kwargs={"public_id": step.public_id})
    return f"{settings.KEPU_PUBLIC_BASE_URL.rstrip('/')}{path}?lang={language}"


class ContentResolver:
    """Builds each message's content once per (article or step, language) for a whole batch.

    Works from ids (a claimed row carries ``article_id``, ``campaign_id``,
    ``step_id`` and ``language``), so the ledger need not load model instances
    per message; the few follow-up steps a batch refers to are loaded once.
    """

    def __init__(self) -> None:
        self._articles: dict[tuple[int, str], MessageContent] = {}
        self._reminders: dict[tuple[int, str], MessageContent] = {}
        self._steps: dict[int, FollowUpStep | None] = {}

    def step(self, step_id: int | None) -> FollowUpStep | None:
        """The follow-up step with its plan, loaded once per resolver."""
        if step_id is None:
            return None
        if step_id not in self._steps:
            self._steps[step_id] = FollowUpStep.objects.select_related("plan").filter(pk=step_id).first()
        return self._steps[step_id]

    def content_for(self, delivery: Delivery | ClaimedRow) -> MessageContent:
        if delivery.article_id is not None:
            if delivery.campaign_id:
                audience = campaign_audience_key(delivery.campaign_id)
            elif delivery.step_key.startswith(WELCOME_STEP_PREFIX):
                audience = delivery.step_key  # "welcome:<doctor>": reads of the welcome article per doctor
            else:
                step = self.step(delivery.step_id)
                if step is None:
                    raise ContentUnavailable("the follow-up step was deleted")
                audience = step.plan.audience_key
            return self._article(delivery.article_id, audience, delivery.language)
        step = self.step(delivery.step_id)
        if step is None:
            raise ContentUnavailable("the campaign's article was deleted")
        if step.kind == FollowUpStep.ARTICLE:
            raise ContentUnavailable("no published article for this follow-up step")
        key = (step.pk, delivery.language)
        if key not in self._reminders:
            self._reminders[key] = MessageContent(
                title=step.title_for(delivery.language),
                summary=step.text_for(delivery.language),
                url=reminder_url(step, delivery.language),
                language=delivery.language,
            )
        return self._reminders[key]

    def _article(self, article_id: int, audience_key: str, language: str) -> MessageContent:
        key = (article_id, audience_key)
        if key not in self._articles:
            article = approved_pages(Article.objects).filter(pk=article_id).first()
            if article is None:
                raise ContentUnavailable("the article is no longer published")
            link = share_link_for(article, audience_key)
            self._articles[key] = MessageContent(
                title=article.title, summary=article.summary, url=link.public_url, language=article.locale.language_code
            )
        return self._articles[key]


def notice_wording(language: str) -> NoticeWording:
    """The fixed words of the default e-mail notice, in the patient's language (the zh-Hans catalogue)."""
    with translation.override(site_language(language)):
        return NoticeWording(
            read=gettext("Read the article"),
            unsubscribe=gettext("Unsubscribe from these e-mails"),
            footer=gettext("You receive this e-mail because you subscribed to %(studio)s health education updates.")
            % {"studio": gettext("Kepu Studio")},
        )
