"""A small bilingual site built through Wagtail's public API, for the page and browser tests.

Content is published the way an editor would (add_child, save_revision, publish), so
the tests see exactly what a reader sees: URLs, search index, translations.
"""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image, ImageDraw

from cms.articles.models import Article
from cms.core.studio_setup import setup_studio
from cms.doctors.models import DoctorProfile
from cms.encyclopedia.models import EncyclopediaEntry, ICD10Chapter
from cms.illustrations.models import Illustration

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


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _stream(*blocks: tuple[str, object]) -> str:
    """StreamField content in its stored JSON form: [(block type, raw value), …]."""
    return json.dumps([{"type": kind, "value": value} for kind, value in blocks], ensure_ascii=False)


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


def _doctor() -> DoctorProfile:
    user = get_user_model().objects.create_user(username="dr.zhang", password="pw-dr.zhang")
    return DoctorProfile.objects.create(
        user=user, name="张医生", slug="dr-zhang", title="主任医师", hospital="第一人民医院", department="心内科",
        bio="从事高血压防治二十年。",
    )


def _entries(tree: dict) -> tuple[EncyclopediaEntry, EncyclopediaEntry, EncyclopediaEntry]:
    circulatory, _ = ICD10Chapter.objects.get_or_create(
        code_from="I00", code_to="I99", level=1, defaults={"name_zh": "循环系统疾病"})
    musculoskeletal, _ = ICD10Chapter.objects.get_or_create(
        code_from="M00", code_to="M99", level=1, defaults={"name_zh": "肌肉骨骼系统和结缔组织疾病"})
    hypertension_zh = EncyclopediaEntry(
        title="高血压", slug="hypertension", icd10_codes="I10, I11", chapter=circulatory,
        synonyms="原发性高血压\n血压高",
        summary="高血压是指动脉血压持续高于正常水平，是心脑血管疾病最重要的危险因素。",
        sections=_stream(
            ("overview", {"heading": "", "body": "<p>高血压通常没有明显感觉，很多人在体检时才发现。</p>"}),
            ("symptoms", {"heading": "", "body": "<ul><li>头晕、头痛</li><li>心慌、乏力</li></ul>"}),
            ("treatment", {"heading": "怎样控制血压", "body": "<p>坚持服药，<b>少盐</b>饮食，规律运动。</p>"}),
        ),
        references=_stream(("reference", {"citation": "中国高血压防治指南（2024年修订版）", "url": "https://example.org/guideline"})),
        source_name="科普工作室", licence="科普工作室原创，CC BY 4.0", source_url="https://example.org/hypertension",
        last_reviewed=REVIEWED,
    )
    tree["zh-hans"]["encyclopedia"].add_child(instance=hypertension_zh)
    _publish(hypertension_zh)

    hypertension_en = hypertension_zh.copy_for_translation(tree["en"]["home"].locale)
    hypertension_en.title = "High blood pressure"
    hypertension_en.summary = "High blood pressure means the pressure in your arteries stays higher than normal."
    hypertension_en.synonyms = "Hypertension"
    hypertension_en.sections = _stream(
        ("overview", {"heading": "", "body": "<p>It usually causes no symptoms.</p>"}),
    )
    hypertension_en.licence = ""
    hypertension_en.save()
    _publish(hypertension_en)

    gout_en = EncyclopediaEntry(
        title="Gout", slug="gout", icd10_codes="M10", chapter=musculoskeletal, synonyms="Gouty arthritis",
        summary="Gout is a common, painful form of arthritis.",
        sections=_stream(
            ("overview", {"heading": "", "body": "<p>Gout causes swollen, red, hot and stiff joints.</p>"}),
            ("treatment", {"heading": "", "body": "<p>Medicines can treat an attack and prevent new ones.</p>"}),
        ),
        source_name="MedQuAD / MPlusHealthTopics", licence=MEDQUAD_GOUT_LICENCE,
        source_url="https://www.nlm.nih.gov/medlineplus/gout.html",
    )
    tree["en"]["encyclopedia"].add_child(instance=gout_en)
    _publish(gout_en)
    return hypertension_zh, hypertension_en, gout_en


def _chinese_body(illustration: Illustration) -> str:
    return _stream(
        ("key_points", {"title": "", "points": ["每天盐不超过 5 克", "多吃蔬菜水果", "限制饮酒"]}),
        ("heading", "为什么要少吃盐"),
        ("paragraph", "<p>盐里的钠会让身体留住水分，血压随之升高。<a href=\"https://example.org/salt\">了解更多</a></p>"),
        ("image", {"image": illustration.pk, "caption": "正确测量血压的姿势"}),
        ("warning", {"level": "urgent", "text": "<p>血压超过 180/110 mmHg 并伴有胸痛、说话不清时，请立即拨打 120。</p>"}),
        ("warning", {"level": "info", "text": "<p>家里可以备一台上臂式电子血压计。</p>"}),
        ("qa", {"question": "吃了降压药还需要少吃盐吗？", "answer": "<p>需要。少盐能让药物效果更好。</p>"}),
        ("references", {"references": [
            {"citation": "中国居民膳食指南（2022）", "url": "https://example.org/dietary-guidelines"},
            {"citation": "世界卫生组织：高血压", "url": ""},
        ]}),
    )


def _english_body() -> str:
    return _stream(
        ("key_points", {"title": "Key points", "points": ["Eat less than 5 g of salt a day", "Eat more vegetables"]}),
        ("heading", "Why less salt helps"),
        ("paragraph", "<p>Sodium makes your body hold on to water, which raises your blood pressure.</p>"),
        ("warning", {"level": "warning", "text": "<p>Do not stop your medicine without talking to your doctor.</p>"}),
        ("qa", {"question": "Do I still need to cut salt if I take medicine?", "answer": "<p>Yes.</p>"}),
    )


def publish_sample_site() -> SampleSite:
    tree = setup_studio()
    doctor = _doctor()
    illustration = make_illustration()
    hypertension_zh, hypertension_en, gout_en = _entries(tree)

    article_zh = Article(
        title="高血压患者怎样吃得更健康", slug="eating-well-with-high-blood-pressure", doctor=doctor, owner=doctor.user,
        summary="控制血压，从一日三餐做起：少盐、多蔬果、限酒。",
        body=_chinese_body(illustration), last_reviewed=REVIEWED, source_entry=hypertension_zh,
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

    draft = Article(title="尚未发布的草稿", slug="unpublished-draft", doctor=doctor, owner=doctor.user, live=False,
                    summary="草稿内容")
    tree["zh-hans"]["articles"].add_child(instance=draft)
    draft.save_revision()

    return SampleSite(
        tree=tree, doctor=doctor, hypertension_zh=hypertension_zh, hypertension_en=hypertension_en, gout_en=gout_en,
        article_zh=Article.objects.get(pk=article_zh.pk), article_en=Article.objects.get(pk=article_en.pk),
        draft_article=draft, illustration=illustration,
    )


SAMPLE_NARRATION = {"zh-hans": ("cmn", "少吃盐，多吃蔬菜。"), "en": ("en", "Eat less salt.")}


def attach_sample_media(article: Article, *, video: bool = False, video_seconds: float | None = None,
                        cover: bool = False) -> dict[str, str]:
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
        subprocess.run(["espeak-ng", "-v", voice, "-s", "190", "-w", str(work / "voice.wav"), sentence], check=True,
                       capture_output=True)
        subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(work / "voice.wav"), "-ac", "1", "-b:a", "48k",
                        str(work / "voice.mp3")], check=True, capture_output=True)
        duration = float(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(work / "voice.mp3")],
            check=True, capture_output=True, text=True).stdout.strip())
        end = f"00:00:{min(duration, 59.9):06.3f}"
        (work / "voice.vtt").write_text(f"WEBVTT\n\n1\n00:00:00.000 --> {end}\n{sentence}\n", encoding="utf-8")

        def render_of(kind: str) -> MediaRender:
            render = MediaRender.objects.create(article=article, revision_id=article.live_revision_id, kind=kind,
                                                status=RenderStatus.SUCCEEDED, progress=100, finished_at=timezone.now())
            renders.append(render)
            return render

        def store(render: MediaRender, role: str, path: Path, mime: str, key: str = "", **extra) -> None:
            with path.open("rb") as handle:
                output = MediaOutput.objects.create(render=render, role=role, file=File(handle, name=path.name),
                                                    mime_type=mime, size=path.stat().st_size, **extra)
            urls[key or role] = output.file.url

        voice_render = render_of(RenderKind.VOICE)
        store(voice_render, OutputRole.MP3, work / "voice.mp3", "audio/mpeg", duration=duration)
        store(voice_render, OutputRole.VTT, work / "voice.vtt", "text/vtt")
        if video:
            length = max(duration, video_seconds or 0)
            audio = ["-i", str(work / "voice.wav")] if not video_seconds else [
                "-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=22050:duration={length:.2f}"]
            for kind, orientation, (w, h), colour in ((RenderKind.VIDEO_PORTRAIT, "portrait", (180, 320), "0x0b5c55"),
                                                       (RenderKind.VIDEO_LANDSCAPE, "landscape", (320, 180), "0x1d3f8a")):
                clean, captioned = work / f"video-{orientation}.mp4", work / f"video-{orientation}-captioned.mp4"
                inputs = [ffmpeg, "-v", "error", "-y", "-f", "lavfi",
                          "-i", f"color=c={colour}:s={w}x{h}:r=10:d={length:.2f}", *audio]
                encode = ["-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-g", "20", "-pix_fmt", "yuv420p",
                          "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart"]
                subprocess.run([*inputs, *encode, str(clean)], check=True, capture_output=True)
                # the "burned captions" of the download: a white strip at the bottom of every frame
                strip = f"drawbox=x=0:y={h * 4 // 5}:w={w}:h={h // 10}:color=white:t=fill"
                subprocess.run([*inputs, "-vf", strip, *encode, str(captioned)], check=True, capture_output=True)
                subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(clean), "-frames:v", "1",
                                str(work / f"poster-{orientation}.jpg")], check=True, capture_output=True)
                render = render_of(kind)
                size = {"width": w, "height": h}
                store(render, OutputRole.MP4, clean, "video/mp4", f"{orientation}:mp4", duration=length, **size)
                store(render, OutputRole.MP4_CAPTIONED, captioned, "video/mp4", f"{orientation}:mp4_captioned",
                      duration=length, **size)
                store(render, OutputRole.POSTER, work / f"poster-{orientation}.jpg", "image/jpeg",
                      f"{orientation}:poster", **size)
            urls["mp4"], urls["poster"] = urls["portrait:mp4"], urls["portrait:poster"]
        if cover:
            Image.new("RGB", (1200, 630), (11, 92, 85)).save(work / "share-cover.png")
            store(render_of(RenderKind.IMAGES), OutputRole.COVER, work / "share-cover.png", "image/png",
                  width=1200, height=630)
    for render in renders:
        outputs_published.send(sender=MediaRender, render=render, article=article)
    return urls
