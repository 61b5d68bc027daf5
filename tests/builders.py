"""The pages, people and settings tests and benchmarks start from, built through Wagtail's and Django's own API.

Content is made the way an editor would make it (add_child, save_revision, publish), so the tests see what
a reader, a reviewer or a worker sees: URLs, revisions, the search index, translations. Three starting
points: the small bilingual sample site (page and browser tests), the admin studio (two doctors, an editor,
an entry to start from), and published articles with patients for the distribution tests.
"""

from __future__ import annotations

import datetime
import io
import itertools
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.utils import timezone, translation
from PIL import Image, ImageDraw
from wagtail.models import Locale, Site, Workflow
from wagtail.rich_text import RichText

from cms.articles.models import Article
from cms.core.studio_setup import DOCTORS, EDITORS, MEDICAL_REVIEW, setup_studio
from cms.doctors.models import DoctorProfile
from cms.encyclopedia.models import EncyclopediaEntry, ICD10Chapter
from cms.illustrations.models import Illustration
from distribution.campaigns.channel_settings import ChannelSettings
from distribution.patients.models import ContactPoint, Patient, PatientGroup
from media_pipeline.models import FailureKind, MediaRender, RenderKind, RenderStatus

if TYPE_CHECKING:
    from tests.fakes.wechat_server import FakeWeChatServer

REVIEWED = datetime.date(2025, 3, 1)
MEDQUAD_GOUT_LICENCE = (
    "Source: MedQuAD / MPlusHealthTopics, CC BY 4.0 (Ben Abacha & Demner-Fushman 2019); "
    "NIH text in the US public domain"
)


@dataclass
class SampleSite:
    tree: dict
    doctor: DoctorProfile
    hypertension_zh: EncyclopediaEntry
    hypertension_en: EncyclopediaEntry
    gout_en: EncyclopediaEntry
    article_zh: Article
    article_en: Article
    draft_article: Article
    illustration: Illustration


def stream(*blocks: tuple[str, object]) -> str:
    """StreamField content in its stored JSON form: [(block type, raw value), …]."""
    return json.dumps([{"type": kind, "value": value} for kind, value in blocks], ensure_ascii=False)


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def draft_article(
    index, owner, title: str, *, slug: str, body, summary: str = "", tags=(), live: bool = False, **fields
) -> Article:
    """``owner``'s article under ``index``, its first revision saved by them; publishing it is the caller's step."""
    article = Article(title=title, slug=slug, owner=owner, live=live, summary=summary, body=body, **fields)
    index.add_child(instance=article)
    for tag in tags:
        article.tags.add(tag)
    article.save_revision(user=owner)
    return article


def make_illustration() -> Illustration:
    """A real 1200×800 PNG drawing with the library's required alt text, source and licence."""
    picture = Image.new("RGBA", (1200, 800), (255, 255, 255, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((300, 150, 900, 650), fill=(200, 40, 40, 255))
    draw.rectangle((560, 250, 640, 550), fill=(255, 255, 255, 255))
    draw.rectangle((450, 360, 750, 440), fill=(255, 255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    illustration = Illustration(
        title="血压计示意图",
        alt_text="上臂式电子血压计绑在上臂的示意图",
        source="科普工作室插画组",
        licence="CC BY 4.0",
        file=ImageFile(buffer, name="blood-pressure-cuff.png"),
    )
    illustration.save()
    return illustration


def _sample_doctor() -> DoctorProfile:
    user = get_user_model().objects.create_user(username="dr.zhang", password="pw-dr.zhang")
    return DoctorProfile.objects.create(
        user=user,
        name="张医生",
        slug="dr-zhang",
        title="主任医师",
        hospital="第一人民医院",
        department="心内科",
        bio="从事高血压防治二十年。",
    )


def _entries(tree: dict) -> tuple[EncyclopediaEntry, EncyclopediaEntry, EncyclopediaEntry]:
    circulatory, _ = ICD10Chapter.objects.get_or_create(
        code_from="I00", code_to="I99", level=1, defaults={"name_zh": "循环系统疾病"}
    )
    musculoskeletal, _ = ICD10Chapter.objects.get_or_create(
        code_from="M00", code_to="M99", level=1, defaults={"name_zh": "肌肉骨骼系统和结缔组织疾病"}
    )
    hypertension_zh = EncyclopediaEntry(
        title="高血压",
        slug="hypertension",
        icd10_codes="I10, I11",
        chapter=circulatory,
        synonyms="原发性高血压\n血压高",
        summary="高血压是指动脉血压持续高于正常水平，是心脑血管疾病最重要的危险因素。",
        sections=stream(
            ("overview", {"heading": "", "body": "<p>高血压通常没有明显感觉，很多人在体检时才发现。</p>"}),
            ("symptoms", {"heading": "", "body": "<ul><li>头晕、头痛</li><li>心慌、乏力</li></ul>"}),
            ("treatment", {"heading": "怎样控制血压", "body": "<p>坚持服药，<b>少盐</b>饮食，规律运动。</p>"}),
        ),
        references=stream(
            ("reference", {"citation": "中国高血压防治指南（2024年修订版）", "url": "https://example.org/guideline"})
        ),
        source_name="科普工作室",
        licence="科普工作室原创，CC BY 4.0",
        source_url="https://example.org/hypertension",
        last_reviewed=REVIEWED,
    )
    tree["zh-hans"]["encyclopedia"].add_child(instance=hypertension_zh)
    _publish(hypertension_zh)

    hypertension_en = hypertension_zh.copy_for_translation(tree["en"]["home"].locale)
    hypertension_en.title = "High blood pressure"
    hypertension_en.summary = "High blood pressure means the pressure in your arteries stays higher than normal."
    hypertension_en.synonyms = "Hypertension"
    hypertension_en.sections = stream(
        ("overview", {"heading": "", "body": "<p>It usually causes no symptoms.</p>"}),
    )
    hypertension_en.licence = ""
    hypertension_en.save()
    _publish(hypertension_en)

    gout_en = EncyclopediaEntry(
        title="Gout",
        slug="gout",
        icd10_codes="M10",
        chapter=musculoskeletal,
        synonyms="Gouty arthritis",
        summary="Gout is a common, painful form of arthritis.",
        sections=stream(
            ("overview", {"heading": "", "body": "<p>Gout causes swollen, red, hot and stiff joints.</p>"}),
            ("treatment", {"heading": "", "body": "<p>Medicines can treat an attack and prevent new ones.</p>"}),
        ),
        source_name="MedQuAD / MPlusHealthTopics",
        licence=MEDQUAD_GOUT_LICENCE,
        source_url="https://www.nlm.nih.gov/medlineplus/gout.html",
    )
    tree["en"]["encyclopedia"].add_child(instance=gout_en)
    _publish(gout_en)
    return hypertension_zh, hypertension_en, gout_en


def _chinese_body(illustration: Illustration) -> str:
    return stream(
        ("key_points", {"title": "", "points": ["每天盐不超过 5 克", "多吃蔬菜水果", "限制饮酒"]}),
        ("heading", "为什么要少吃盐"),
        ("paragraph", '<p>盐里的钠会让身体留住水分，血压随之升高。<a href="https://example.org/salt">了解更多</a></p>'),
        ("image", {"image": illustration.pk, "caption": "正确测量血压的姿势"}),
        (
            "warning",
            {"level": "urgent", "text": "<p>血压超过 180/110 mmHg 并伴有胸痛、说话不清时，请立即拨打 120。</p>"},
        ),
        ("warning", {"level": "info", "text": "<p>家里可以备一台上臂式电子血压计。</p>"}),
        ("qa", {"question": "吃了降压药还需要少吃盐吗？", "answer": "<p>需要。少盐能让药物效果更好。</p>"}),
        (
            "references",
            {
                "references": [
                    {"citation": "中国居民膳食指南（2022）", "url": "https://example.org/dietary-guidelines"},
                    {"citation": "世界卫生组织：高血压", "url": ""},
                ]
            },
        ),
    )


def _english_body() -> str:
    return stream(
        ("key_points", {"title": "Key points", "points": ["Eat less than 5 g of salt a day", "Eat more vegetables"]}),
        ("heading", "Why less salt helps"),
        ("paragraph", "<p>Sodium makes your body hold on to water, which raises your blood pressure.</p>"),
        ("warning", {"level": "warning", "text": "<p>Do not stop your medicine without talking to your doctor.</p>"}),
        ("qa", {"question": "Do I still need to cut salt if I take medicine?", "answer": "<p>Yes.</p>"}),
    )


def publish_sample_site() -> SampleSite:
    tree = setup_studio()
    doctor = _sample_doctor()
    illustration = make_illustration()
    hypertension_zh, hypertension_en, gout_en = _entries(tree)

    article_zh = Article(
        title="高血压患者怎样吃得更健康",
        slug="eating-well-with-high-blood-pressure",
        doctor=doctor,
        owner=doctor.user,
        summary="控制血压，从一日三餐做起：少盐、多蔬果、限酒。",
        body=_chinese_body(illustration),
        last_reviewed=REVIEWED,
        source_entry=hypertension_zh,
    )
    tree["zh-hans"]["articles"].add_child(instance=article_zh)
    article_zh.tags.add("高血压", "饮食")
    article_zh.related_entries.add(hypertension_zh)
    article_zh.save()
    _publish(article_zh)

    article_en = article_zh.copy_for_translation(tree["en"]["home"].locale)
    article_en.title = "Eating well with high blood pressure"
    article_en.summary = "Control your blood pressure at every meal: less salt, more vegetables, less alcohol."
    article_en.body = _english_body()
    article_en.source_entry = hypertension_en
    article_en.save()
    article_en.related_entries.set([hypertension_en])
    article_en.save()
    _publish(article_en)

    draft = Article(
        title="尚未发布的草稿",
        slug="unpublished-draft",
        doctor=doctor,
        owner=doctor.user,
        live=False,
        summary="草稿内容",
    )
    tree["zh-hans"]["articles"].add_child(instance=draft)
    draft.save_revision()

    return SampleSite(
        tree=tree,
        doctor=doctor,
        hypertension_zh=hypertension_zh,
        hypertension_en=hypertension_en,
        gout_en=gout_en,
        article_zh=Article.objects.get(pk=article_zh.pk),
        article_en=Article.objects.get(pk=article_en.pk),
        draft_article=draft,
        illustration=illustration,
    )


SAMPLE_NARRATION = {"zh-hans": ("cmn", "少吃盐，多吃蔬菜。"), "en": ("en", "Eat less salt.")}


def attach_sample_media(
    article: Article, *, video: bool = False, video_seconds: float | None = None, cover: bool = False
) -> dict[str, str]:
    """Real narration (espeak-ng → MP3), WebVTT captions and optionally small MP4s with posters, stored as
    the succeeded media renders of the article's live revision, the way the media pipeline leaves them
    (and announced as it announces them: ``outputs_published``).

    ``video=True`` makes both orientations, each a clean file (what the page plays) and one with a
    caption strip burned in (the download); ``video_seconds`` makes them that long (tone after the
    voice), for seeking tests. ``cover=True`` adds the 1200×630 share card.

    Returns the storage URL of each output by role ('mp3', 'vtt', 'mp4', 'poster', 'cover'), and by
    '<orientation>:<role>' for the videos ('portrait:mp4', 'landscape:mp4_captioned', …).
    """
    import subprocess
    import tempfile
    from pathlib import Path

    import imageio_ffmpeg
    from django.core.files import File
    from django.utils import timezone
    from PIL import Image

    from media_pipeline.models import MediaOutput, MediaRender, OutputRole, RenderKind, RenderStatus
    from media_pipeline.signals import outputs_published

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    voice, sentence = SAMPLE_NARRATION.get(article.locale.language_code, SAMPLE_NARRATION["zh-hans"])
    urls: dict[str, str] = {}
    renders: list[MediaRender] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "190", "-w", str(work / "voice.wav"), sentence],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-i",
                str(work / "voice.wav"),
                "-ac",
                "1",
                "-b:a",
                "48k",
                str(work / "voice.mp3"),
            ],
            check=True,
            capture_output=True,
        )
        duration = float(
            subprocess.run(
                [
                    "ffprobe",
                    "-v",
                    "error",
                    "-show_entries",
                    "format=duration",
                    "-of",
                    "csv=p=0",
                    str(work / "voice.mp3"),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        end = f"00:00:{min(duration, 59.9):06.3f}"
        (work / "voice.vtt").write_text(f"WEBVTT\n\n1\n00:00:00.000 --> {end}\n{sentence}\n", encoding="utf-8")

        def render_of(kind: str) -> MediaRender:
            render = MediaRender.objects.create(
                article=article,
                revision_id=article.live_revision_id,
                kind=kind,
                status=RenderStatus.SUCCEEDED,
                progress=100,
                finished_at=timezone.now(),
            )
            renders.append(render)
            return render

        def store(render: MediaRender, role: str, path: Path, mime: str, key: str = "", **extra) -> None:
            with path.open("rb") as handle:
                output = MediaOutput.objects.create(
                    render=render,
                    role=role,
                    file=File(handle, name=path.name),
                    mime_type=mime,
                    size=path.stat().st_size,
                    **extra,
                )
            urls[key or role] = output.file.url

        voice_render = render_of(RenderKind.VOICE)
        store(voice_render, OutputRole.MP3, work / "voice.mp3", "audio/mpeg", duration=duration)
        store(voice_render, OutputRole.VTT, work / "voice.vtt", "text/vtt")
        if video:
            length = max(duration, video_seconds or 0)
            audio = (
                ["-i", str(work / "voice.wav")]
                if not video_seconds
                else ["-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=22050:duration={length:.2f}"]
            )
            for kind, orientation, (w, h), colour in (
                (RenderKind.VIDEO_PORTRAIT, "portrait", (180, 320), "0x0b5c55"),
                (RenderKind.VIDEO_LANDSCAPE, "landscape", (320, 180), "0x1d3f8a"),
            ):
                clean, captioned = work / f"video-{orientation}.mp4", work / f"video-{orientation}-captioned.mp4"
                inputs = [
                    ffmpeg,
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    f"color=c={colour}:s={w}x{h}:r=10:d={length:.2f}",
                    *audio,
                ]
                encode = [
                    "-shortest",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-g",
                    "20",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "48k",
                    "-movflags",
                    "+faststart",
                ]
                subprocess.run([*inputs, *encode, str(clean)], check=True, capture_output=True)
                # the "burned captions" of the download: a white strip at the bottom of every frame
                strip = f"drawbox=x=0:y={h * 4 // 5}:w={w}:h={h // 10}:color=white:t=fill"
                subprocess.run([*inputs, "-vf", strip, *encode, str(captioned)], check=True, capture_output=True)
                subprocess.run(
                    [
                        ffmpeg,
                        "-v",
                        "error",
                        "-y",
                        "-i",
                        str(clean),
                        "-frames:v",
                        "1",
                        str(work / f"poster-{orientation}.jpg"),
                    ],
                    check=True,
                    capture_output=True,
                )
                render = render_of(kind)
                size = {"width": w, "height": h}
                store(render, OutputRole.MP4, clean, "video/mp4", f"{orientation}:mp4", duration=length, **size)
                store(
                    render,
                    OutputRole.MP4_CAPTIONED,
                    captioned,
                    "video/mp4",
                    f"{orientation}:mp4_captioned",
                    duration=length,
                    **size,
                )
                store(
                    render,
                    OutputRole.POSTER,
                    work / f"poster-{orientation}.jpg",
                    "image/jpeg",
                    f"{orientation}:poster",
                    **size,
                )
            urls["mp4"], urls["poster"] = urls["portrait:mp4"], urls["portrait:poster"]
        if cover:
            Image.new("RGB", (1200, 630), (11, 92, 85)).save(work / "share-cover.png")
            store(
                render_of(RenderKind.IMAGES),
                OutputRole.COVER,
                work / "share-cover.png",
                "image/png",
                width=1200,
                height=630,
            )
    for render in renders:
        outputs_published.send(sender=MediaRender, render=render, article=article)
    return urls


# The admin studio: the people and pages the admin browser tests start from.

FORBIDDEN_CLAIM = "本药可根治高血压，无效退款"
SAFE_PARAGRAPH = "<p>坚持每天按时服药，不要自己停药。每天盐不超过 5 克。</p>"


def password_of(username: str) -> str:
    return "pw-" + username


@dataclass
class AdminStudio:
    """Two doctors (each in the Doctors group with a profile), an editor in the Editors group, a published
    Chinese encyclopedia entry to start from, and a draft by the second doctor that the first may not open."""

    tree: dict
    doctor: AbstractBaseUser  # the author in the tests
    other_doctor: AbstractBaseUser
    editor: AbstractBaseUser
    entry: EncyclopediaEntry
    other_doctors_draft: Article


def admin_person(username: str, group: str, name: str) -> AbstractBaseUser:
    """Someone who logs in to the admin with ``password_of(username)``, in ``group``."""
    # A Chinese name is written whole, family name first: kept in first_name so the admin shows it as is.
    user = get_user_model().objects.create_user(
        username=username,
        password=password_of(username),
        email=f"{username}@example.org",
        first_name=name,
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def _admin_doctor(username: str, name: str, slug: str) -> AbstractBaseUser:
    user = admin_person(username, DOCTORS, name)
    DoctorProfile.objects.create(
        user=user, name=name, slug=slug, title="主治医师", hospital="第一人民医院", department="心内科"
    )
    return user


def _admin_entry(tree: dict) -> EncyclopediaEntry:
    chapter, _ = ICD10Chapter.objects.get_or_create(
        code_from="I00", code_to="I99", level=1, defaults={"name_zh": "循环系统疾病"}
    )
    entry = EncyclopediaEntry(
        title="高血压",
        slug="hypertension",
        icd10_codes="I10",
        chapter=chapter,
        summary="高血压是指动脉血压持续高于正常水平。",
        sections=stream(
            (
                "overview",
                {
                    "heading": "",
                    "body": "<p>高血压通常没有明显感觉，很多人在体检时才发现。"
                    "血压长期偏高会伤害心脏、大脑和肾脏。早发现、早控制，就能减少中风和心梗。</p>",
                },
            ),
            ("symptoms", {"heading": "", "body": "<ul><li>头晕、头痛</li><li>心慌、乏力</li><li>看东西模糊</li></ul>"}),
            ("treatment", {"heading": "怎样控制血压", "body": SAFE_PARAGRAPH}),
        ),
        source_name="科普工作室",
        licence="科普工作室原创，CC BY 4.0",
        source_url="https://example.org/hypertension",
    )
    tree["zh-hans"]["encyclopedia"].add_child(instance=entry)
    return _publish(entry)


def build_admin_studio() -> AdminStudio:
    tree = setup_studio()
    doctor = _admin_doctor("dr.wang", "王医生", "dr-wang")
    other_doctor = _admin_doctor("dr.li", "李医生", "dr-li")
    editor = admin_person("editor.chen", EDITORS, "陈编辑")
    entry = _admin_entry(tree)
    draft = draft_article(
        tree["zh-hans"]["articles"],
        other_doctor,
        "李医生的草稿",
        slug="dr-li-draft",
        summary="草稿。",
        body=stream(("paragraph", SAFE_PARAGRAPH)),
    )
    return AdminStudio(
        tree=tree, doctor=doctor, other_doctor=other_doctor, editor=editor, entry=entry, other_doctors_draft=draft
    )


def submitted_article(studio: AdminStudio, *, title: str, paragraph_html: str) -> Article:
    """A draft by ``studio.doctor`` submitted to Medical review (the checks run on submission, eagerly in tests)."""
    article = draft_article(
        studio.tree["zh-hans"]["articles"],
        studio.doctor,
        title,
        slug="submitted-" + str(Article.objects.count() + 1),
        summary="少盐饮食的要点。",
        body=stream(("paragraph", paragraph_html)),
    )
    Workflow.objects.get(name=MEDICAL_REVIEW).start(article, studio.doctor)
    return Article.objects.get(pk=article.pk)


def published_article_with_media_jobs(studio: AdminStudio, *, title: str) -> Article:
    """An article by ``studio.doctor``, approved and live, with the media jobs a publish leaves behind:
    a narration that failed (with its reason) and a landscape video that was cancelled (neither left files)."""
    article = draft_article(
        studio.tree["zh-hans"]["articles"],
        studio.doctor,
        title,
        slug="published-" + str(Article.objects.count() + 1),
        summary="少盐饮食的要点。",
        body=stream(("paragraph", SAFE_PARAGRAPH)),
        live=True,
    )
    article.latest_revision.publish(user=studio.editor)
    article.refresh_from_db()
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # as a worker writes it: in the studio's language
        cancelled = translation.gettext("cancelled on request")
    MediaRender.objects.create(
        article=article,
        revision_id=article.live_revision_id,
        kind=RenderKind.VOICE,
        status=RenderStatus.FAILED,
        progress=40,
        stage="合成第 2 段语音",
        engine="edge-tts",
        voice="zh-CN-XiaoxiaoNeural",
        error_kind=FailureKind.ENGINE,
        error="edge-tts: connection refused after 3 attempts",
        attempts=3,
        requested_by=studio.editor,
        trigger="publish",
        started_at=now,
        finished_at=now,
    )
    MediaRender.objects.create(
        article=article,
        revision_id=article.live_revision_id,
        kind=RenderKind.VIDEO_LANDSCAPE,
        status=RenderStatus.CANCELLED,
        progress=0,
        stage=cancelled,
        error=cancelled,
        requested_by=studio.editor,
        trigger="publish",
        started_at=now,
        finished_at=now,
    )
    return article


# Distribution: published articles, patients and groups, and the settings that point the channels at the fakes.

PUBLIC_BASE = "https://kp.example.cn"
SMS_LINK_PREFIX = PUBLIC_BASE + "/s/"
WEBHOOK_SECRET = "test-webhook-secret-0123456789"
_serial = itertools.count(1)


def publish_article(
    studio, owner, title: str, *, english_title: str | None = None, tags=(), summary="要点摘要"
) -> Article:
    """A published (approved) Chinese article, with a published English translation when asked."""
    article = draft_article(
        studio["zh-hans"]["articles"],
        owner,
        title,
        slug=f"article-{next(_serial)}",
        summary=summary,
        body=[("paragraph", RichText("<p>多喝水，按时服药。</p>"))],
        tags=tags,
    )
    article.latest_revision.publish()
    article.refresh_from_db()
    if english_title:
        english = article.copy_for_translation(Locale.objects.get(language_code="en"))
        english.title = english_title
        english.summary = "Key points"
        english.save_revision().publish()
    return article


def openid(number: int) -> str:
    return f"oPatient{number:018d}"


def add_patient(
    doctor,
    name: str,
    *,
    channels: dict[str, str],
    language="zh-hans",
    tags=(),
    consent=True,
    time_zone="Asia/Shanghai",
    enrolled_on: date | None = None,
) -> Patient:
    patient = Patient.objects.create(
        doctor=doctor,
        display_name=name,
        preferred_language=language,
        time_zone=time_zone,
        enrolled_on=enrolled_on or timezone.localdate(),
    )
    if tags:
        patient.tags.add(*tags)
        patient.save()
    for channel, address in channels.items():
        ContactPoint.objects.create(
            patient=patient, channel=channel, address=address, consent_at=timezone.now() if consent else None
        )
    return patient


def static_group(doctor, name: str, patients) -> PatientGroup:
    group = PatientGroup.objects.create(doctor=doctor, name=name, kind=PatientGroup.STATIC)
    group.members.set(patients)
    return group


def distribution_config(*, wechat=None, sms=None, smtp=None, webhook=None, **overrides) -> dict:
    """KEPU_DISTRIBUTION pointing every channel at the local fake servers; no waiting between retries."""
    channels = {}
    if wechat is not None:
        channels["wechat"] = {
            "app_id": wechat.app_id,
            "app_secret": wechat.app_secret,
            "template_id": "tmpl-1",
            "api_base": wechat.base_url,
        }
    if sms is not None:
        channels["sms"] = {
            "secret_id": sms.secret_id,
            "secret_key": sms.secret_key,
            "sdk_app_id": sms.sdk_app_id,
            "api_base": sms.base_url,
            "templates": {
                "zh-hans": {
                    "template_id": "1760001",
                    "text": sms.templates["1760001"],
                    "params": ["title", "url_path"],
                    "sign_name": "科普工作室",
                    "link_prefix": SMS_LINK_PREFIX,
                },
                "en": {
                    "template_id": "1760002",
                    "text": sms.templates["1760002"],
                    "params": ["title", "url_path"],
                    "link_prefix": SMS_LINK_PREFIX,
                },
            },
        }
    if smtp is not None:
        channels["email"] = {
            "from_address": "科普工作室 <kepu@hospital.example.cn>",
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "none",
        }
    if webhook is not None:
        channels["webhook"] = {
            "secret": WEBHOOK_SECRET,
            "endpoint": webhook.url(),
            "allow_plain_http": True,
            "default_retry_after_s": 0,
        }
    config = {
        "channels": channels,
        "backoff_base_s": 0,
        "backoff_max_s": 0,
        "rate_limits": {"wechat": None, "sms": None, "email": None},
        "batch_size": 20,
    }
    config.update(overrides)
    return config


def join_config(sms=None, wechat=None) -> dict:
    """distribution_config with the join page's verification-code templates and WeChat's OAuth on the fakes."""
    config = distribution_config(sms=sms, wechat=wechat)
    if sms is not None:
        config["channels"]["sms"]["verification_templates"] = {
            "zh-hans": {
                "template_id": "1760003",
                "text": sms.templates["1760003"],
                "params": ["code"],
                "sign_name": "科普工作室",
            },
            "en": {"template_id": "1760004", "text": sms.templates["1760004"], "params": ["code"]},
        }
    if wechat is not None:
        config["channels"]["wechat"]["oauth_base"] = wechat.base_url
    return config


def set_up_account(server: FakeWeChatServer, **fields) -> None:
    """The WeChat tab of the Channels screen, switched on for the default site."""
    ChannelSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={
            "wechat_enabled": True,
            "wechat_app_id": server.app_id,
            "wechat_app_secret": server.app_secret,
            "wechat_template_id": "tmpl-share",
            "wechat_api_base": server.base_url,
            **fields,
        },
    )


def default_site_id() -> int:
    return Site.objects.get(is_default_site=True).pk
