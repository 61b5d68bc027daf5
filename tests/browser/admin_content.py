"""The people and pages the admin browser tests start from, made through the studio's own set-up and Wagtail's API.

Two doctors (each in the Doctors group with a profile), an editor in the Editors group, a published Chinese
encyclopedia entry to start from, and a draft by the second doctor that the first may not open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.conf import settings
from django.utils import timezone, translation
from wagtail.models import Workflow

from cms.articles.models import Article
from cms.core.studio_setup import DOCTORS, EDITORS, MEDICAL_REVIEW, setup_studio
from cms.doctors.models import DoctorProfile
from cms.encyclopedia.models import EncyclopediaEntry, ICD10Chapter
from media_pipeline.models import FailureKind, MediaRender, RenderKind, RenderStatus

FORBIDDEN_CLAIM = "本药可根治高血压，无效退款"
SAFE_PARAGRAPH = "<p>坚持每天按时服药，不要自己停药。每天盐不超过 5 克。</p>"


def password_of(username: str) -> str:
    return "pw-" + username


@dataclass
class AdminStudio:
    tree: dict
    doctor: AbstractBaseUser  # the author in the tests
    other_doctor: AbstractBaseUser
    editor: AbstractBaseUser
    entry: EncyclopediaEntry
    other_doctors_draft: Article


def _person(username: str, group: str, name: str) -> AbstractBaseUser:
    # A Chinese name is written whole, family name first: kept in first_name so the admin shows it as is.
    user = get_user_model().objects.create_user(
        username=username, password=password_of(username), email=f"{username}@example.org", first_name=name,
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def _doctor(username: str, name: str, slug: str) -> AbstractBaseUser:
    user = _person(username, DOCTORS, name)
    DoctorProfile.objects.create(user=user, name=name, slug=slug, title="主治医师", hospital="第一人民医院",
                                 department="心内科")
    return user


def _stream(*blocks: tuple[str, object]) -> str:
    return json.dumps([{"type": kind, "value": value} for kind, value in blocks], ensure_ascii=False)


def _entry(tree: dict) -> EncyclopediaEntry:
    chapter, _ = ICD10Chapter.objects.get_or_create(code_from="I00", code_to="I99", level=1,
                                                    defaults={"name_zh": "循环系统疾病"})
    entry = EncyclopediaEntry(
        title="高血压", slug="hypertension", icd10_codes="I10", chapter=chapter,
        summary="高血压是指动脉血压持续高于正常水平。",
        sections=_stream(
            ("overview", {"heading": "", "body": "<p>高血压通常没有明显感觉，很多人在体检时才发现。"
                                                 "血压长期偏高会伤害心脏、大脑和肾脏。早发现、早控制，就能减少中风和心梗。</p>"}),
            ("symptoms", {"heading": "", "body": "<ul><li>头晕、头痛</li><li>心慌、乏力</li><li>看东西模糊</li></ul>"}),
            ("treatment", {"heading": "怎样控制血压", "body": SAFE_PARAGRAPH}),
        ),
        source_name="科普工作室", licence="科普工作室原创，CC BY 4.0", source_url="https://example.org/hypertension",
    )
    tree["zh-hans"]["encyclopedia"].add_child(instance=entry)
    entry.save_revision().publish()
    entry.refresh_from_db()
    return entry


def build_admin_studio() -> AdminStudio:
    tree = setup_studio()
    doctor = _doctor("dr.wang", "王医生", "dr-wang")
    other_doctor = _doctor("dr.li", "李医生", "dr-li")
    editor = _person("editor.chen", EDITORS, "陈编辑")
    entry = _entry(tree)
    draft = Article(title="李医生的草稿", slug="dr-li-draft", owner=other_doctor, live=False, summary="草稿。",
                    body=_stream(("paragraph", SAFE_PARAGRAPH)))
    tree["zh-hans"]["articles"].add_child(instance=draft)
    draft.save_revision(user=other_doctor)
    return AdminStudio(tree=tree, doctor=doctor, other_doctor=other_doctor, editor=editor, entry=entry,
                       other_doctors_draft=draft)


def submitted_article(studio: AdminStudio, *, title: str, paragraph_html: str) -> Article:
    """A draft by ``studio.doctor`` submitted to Medical review (the checks run on submission, eagerly in tests)."""
    article = Article(title=title, slug="submitted-" + str(Article.objects.count() + 1), owner=studio.doctor,
                      live=False, summary="少盐饮食的要点。", body=_stream(("paragraph", paragraph_html)))
    studio.tree["zh-hans"]["articles"].add_child(instance=article)
    article.save_revision(user=studio.doctor)
    Workflow.objects.get(name=MEDICAL_REVIEW).start(article, studio.doctor)
    return Article.objects.get(pk=article.pk)


def published_article(studio: AdminStudio, *, title: str) -> Article:
    """An article by ``studio.doctor``, approved and live, with the media jobs a publish leaves behind:
    a narration that failed (with its reason) and a landscape video that was cancelled (neither left files)."""
    article = Article(title=title, slug="published-" + str(Article.objects.count() + 1), owner=studio.doctor,
                      summary="少盐饮食的要点。", body=_stream(("paragraph", SAFE_PARAGRAPH)))
    studio.tree["zh-hans"]["articles"].add_child(instance=article)
    article.save_revision(user=studio.doctor).publish(user=studio.editor)
    article.refresh_from_db()
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # as a worker writes it: in the studio's language
        cancelled = translation.gettext("cancelled on request")
    MediaRender.objects.create(
        article=article, revision_id=article.live_revision_id, kind=RenderKind.VOICE, status=RenderStatus.FAILED,
        progress=40, stage="合成第 2 段语音", engine="edge-tts", voice="zh-CN-XiaoxiaoNeural",
        error_kind=FailureKind.ENGINE, error="edge-tts: connection refused after 3 attempts", attempts=3,
        requested_by=studio.editor, trigger="publish", started_at=now, finished_at=now,
    )
    MediaRender.objects.create(
        article=article, revision_id=article.live_revision_id, kind=RenderKind.VIDEO_LANDSCAPE,
        status=RenderStatus.CANCELLED, progress=0, stage=cancelled, error=cancelled,
        requested_by=studio.editor, trigger="publish", started_at=now, finished_at=now,
    )
    return article
