"""Builders shared by the campaign, follow-up and delivery tests (no tests of its own)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from wagtail.models import Locale
from wagtail.rich_text import RichText

from cms.articles.models import Article
from distribution.patients.models import ContactPoint, Patient, PatientGroup
from tests.distribution.conftest import WEBHOOK_SECRET

PUBLIC_BASE = "https://kp.example.cn"
SMS_LINK_PREFIX = PUBLIC_BASE + "/s/"
_serial = itertools.count(1)


def publish_article(studio, owner, title: str, *, english_title: str | None = None, tags=(), summary="要点摘要") -> Article:
    """A published (approved) Chinese article, with a published English translation when asked."""
    index = studio["zh-hans"]["articles"]
    article = Article(title=title, slug=f"article-{next(_serial)}", owner=owner, live=False, summary=summary,
                      body=[("paragraph", RichText("<p>多喝水，按时服药。</p>"))])
    index.add_child(instance=article)
    for tag in tags:
        article.tags.add(tag)
    article.save_revision(user=owner).publish()
    article.refresh_from_db()
    if english_title:
        translation = article.copy_for_translation(Locale.objects.get(language_code="en"))
        translation.title = english_title
        translation.summary = "Key points"
        translation.save_revision().publish()
    return article


def openid(number: int) -> str:
    return f"oPatient{number:018d}"


def add_patient(doctor, name: str, *, channels: dict[str, str], language="zh-hans", tags=(), consent=True,
                time_zone="Asia/Shanghai", enrolled_on: date | None = None) -> Patient:
    from django.utils import timezone

    patient = Patient.objects.create(doctor=doctor, display_name=name, preferred_language=language,
                                     time_zone=time_zone, enrolled_on=enrolled_on or timezone.localdate())
    if tags:
        patient.tags.add(*tags)
        patient.save()
    for channel, address in channels.items():
        ContactPoint.objects.create(patient=patient, channel=channel, address=address,
                                    consent_at=timezone.now() if consent else None)
    return patient


def static_group(doctor, name: str, patients) -> PatientGroup:
    group = PatientGroup.objects.create(doctor=doctor, name=name, kind=PatientGroup.STATIC)
    group.members.set(patients)
    return group


def distribution_config(*, wechat=None, sms=None, smtp=None, webhook=None, **overrides) -> dict:
    """KEPU_DISTRIBUTION pointing every channel at the local fake servers; no waiting between retries."""
    channels = {}
    if wechat is not None:
        channels["wechat"] = {"app_id": wechat.app_id, "app_secret": wechat.app_secret, "template_id": "tmpl-1",
                              "api_base": wechat.base_url}
    if sms is not None:
        channels["sms"] = {
            "secret_id": sms.secret_id, "secret_key": sms.secret_key, "sdk_app_id": sms.sdk_app_id,
            "api_base": sms.base_url,
            "templates": {
                "zh-hans": {"template_id": "1760001", "text": sms.templates["1760001"], "params": ["title", "url_path"],
                            "sign_name": "科普工作室", "link_prefix": SMS_LINK_PREFIX},
                "en": {"template_id": "1760002", "text": sms.templates["1760002"], "params": ["title", "url_path"],
                       "link_prefix": SMS_LINK_PREFIX},
            },
        }
    if smtp is not None:
        channels["email"] = {"from_address": "科普工作室 <kepu@hospital.example.cn>", "host": "127.0.0.1",
                             "port": smtp.port, "security": "none"}
    if webhook is not None:
        channels["webhook"] = {"secret": WEBHOOK_SECRET, "endpoint": webhook.url(), "allow_plain_http": True,
                               "default_retry_after_s": 0}
    config = {"channels": channels, "backoff_base_s": 0, "backoff_max_s": 0, "rate_limits": {"wechat": None, "sms": None, "email": None},
              "batch_size": 20}
    config.update(overrides)
    return config


@pytest.fixture
def public_base(settings):
    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    return PUBLIC_BASE


@pytest.fixture
def doctor(people):
    return people["doctor_a"].doctor_profile
