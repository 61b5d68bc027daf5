"""Loading the demo: accounts, doctors, illustrations and four articles (linked to imported entries).

Idempotent: run it again and nothing is duplicated. Demo passwords come from
KEPU_DEMO_PASSWORD (default below) and are printed, because the demo is for
trying the studio on one's own machine, never for a server on the internet.
"""

from __future__ import annotations

import datetime
import io
import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from cms.articles.models import Article
from cms.core.studio_setup import DOCTORS, EDITORS, setup_studio
from cms.doctors.models import DoctorProfile
from cms.encyclopedia.models import EncyclopediaEntry
from cms.illustrations.models import Illustration
from distribution.campaigns.models import ChannelSettings
from distribution.joining.models import Invitation
from distribution.patients.models import DISTRIBUTORS, ContactPoint, Patient, PatientGroup

from . import illustrations
from .content import ARTICLES

DEFAULT_PASSWORD = "kepu-demo-2026"  # noqa: S105 - the demo accounts' password, printed by load_demo


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str


def _user(username: str, password: str, *, group: str | None = None, superuser: bool = False, **names):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@kepu.local", **names})
    if created:
        user.set_password(password)
        user.is_superuser = user.is_staff = superuser
        user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _illustration(title: str, drawing: bytes, alt_text: str, user) -> Illustration:
    existing = Illustration.objects.filter(title=title).first()
    if existing:
        return existing
    image = Illustration(
        title=title,
        alt_text=alt_text,
        source="Kepu Studio demo",
        licence="CC BY 4.0",
        uploaded_by_user=user,
        file=ImageFile(io.BytesIO(drawing), name=f"{slugify(title) or 'illustration'}.png"),
    )
    image.save()
    image.tags.add("demo")
    return image


def _body_blocks(spec_body, image: Illustration):
    blocks = []
    for item in spec_body:
        kind = item[0]
        if kind == "paragraph":
            blocks.append(("paragraph", RichText(item[1])))
        elif kind == "heading":
            blocks.append(("heading", item[1]))
        elif kind == "image":
            blocks.append(("image", {"image": image, "caption": item[1]}))
        elif kind == "key_points":
            blocks.append(("key_points", {"title": "", "points": item[1]}))
        elif kind == "warning":
            blocks.append(("warning", {"level": item[1], "text": RichText(item[2])}))
        elif kind == "qa":
            blocks.append(("qa", {"question": item[1], "answer": RichText(item[2])}))
        elif kind == "references":
            blocks.append(("references", {"references": [{"citation": c, "url": u} for c, u in item[1]]}))
    return blocks


DEMO_PATIENTS = [
    # (display name, language, tags, e-mail, hospital id) — fictional people with reserved example.org addresses.
    ("张阿姨", "zh-hans", ["高血压", "老年"], "zhang.demo@example.org", "DEMO-0001"),
    ("陈先生", "zh-hans", ["高血压", "糖尿病"], "chen.demo@example.org", "DEMO-0002"),
    ("Mr. Evans", "en", ["hypertension"], "evans.demo@example.org", "DEMO-0003"),
]


def _demo_patients(doctor: DoctorProfile) -> None:
    """A few fictional patients and a rule-based group, so campaigns can be tried at once."""
    for name, language, tags, email, hospital_id in DEMO_PATIENTS:
        patient = Patient.objects.filter(doctor=doctor, display_name=name).first()
        if patient is None:
            patient = Patient(doctor=doctor, display_name=name, preferred_language=language)
            patient.save()
            patient.tags.add(*tags)
            patient.save()
        for channel, address in (("email", email), ("webhook", hospital_id)):
            ContactPoint.objects.get_or_create(
                patient=patient, channel=channel, defaults={"address": address, "consent_at": timezone.now()}
            )
    PatientGroup.objects.get_or_create(
        doctor=doctor,
        name="高血压患者 Hypertension",
        defaults={"kind": PatientGroup.RULE, "any_tags": "高血压, hypertension"},
    )
    # A general join code (扫码报到): its QR code shows on the doctor's homepage, its poster in the admin.
    Invitation.objects.get_or_create(
        doctor=doctor,
        name="门诊扫码报到",
        defaults={
            "keywords": "高血压, 糖尿病, 高血脂",
            "frequency_zh": "每周约1–2条",
            "frequency_en": "One or two a week",
        },
    )


def _demo_channels() -> None:
    """E-mail printed on the worker's console and webhooks to the studio's own development inbox.

    Both work on one machine with nothing else running; the webhook secret is
    made once, randomly, and never printed. Channels someone already switched
    on are left as they are.
    """
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    channels, _created = ChannelSettings.objects.get_or_create(site=site)
    if not channels.email_enabled:
        channels.email_enabled = True
        channels.email_transport = "console"
        channels.email_from_address = "科普工作室 <kepu@demo.example.org>"
    if not channels.webhook_enabled:
        channels.webhook_enabled = True
        channels.webhook_endpoint = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("campaigns:webhook_inbox")
        channels.webhook_secret = channels.webhook_secret or secrets.token_urlsafe(32)
        channels.webhook_allow_plain_http = channels.webhook_endpoint.startswith("http://")
    channels.save()


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    tree = setup_studio()
    password = os.environ.get("KEPU_DEMO_PASSWORD", DEFAULT_PASSWORD)
    _user("admin", password, superuser=True, first_name="Admin")
    editor = _user("editor", password, group=EDITORS, first_name="周", last_name="编辑")
    _user("distributor", password, group=DISTRIBUTORS, first_name="孙", last_name="运营")
    doctor = _user("doctor", password, group=DOCTORS, first_name="李", last_name="医生")
    doctor2 = _user("doctor.wang", password, group=DOCTORS, first_name="王", last_name="医生")
    profile, _ = DoctorProfile.objects.get_or_create(
        user=doctor,
        defaults=dict(
            name="李明",
            slug="li-ming",
            title="主任医师",
            hospital="示范人民医院",
            department="心血管内科",
            bio="从事高血压和冠心病诊治二十年，擅长慢病管理和患者教育。",
        ),
    )
    profile2, _ = DoctorProfile.objects.get_or_create(
        user=doctor2,
        defaults=dict(
            name="王芳",
            slug="wang-fang",
            title="副主任医师",
            hospital="示范人民医院",
            department="内分泌科",
            bio="关注糖尿病和痛风的长期管理。",
        ),
    )
    hospital_en = "Demonstration People's Hospital"
    for person, english in (
        (profile, ("Dr Li Ming", "Chief Physician")),
        (profile2, ("Dr Wang Fang", "Associate Chief Physician")),
    ):
        if not person.name_en:  # English credit for English pages, covers and videos; an edited one is kept
            person.name_en, person.title_en, person.hospital_en = *english, person.hospital_en or hospital_en
            person.save(update_fields=["name_en", "title_en", "hospital_en"])
    drawings = {
        "gauge": _illustration(
            "血压计读数示意 Blood pressure dial",
            illustrations.blood_pressure_gauge("140/90 mmHg"),
            "一个血压表盘，指针指向140毫米汞柱的界值 / A dial with the needle at 140 mmHg",
            doctor,
        ),
        "joint": _illustration(
            "痛风关节示意 Gout joint",
            illustrations.joint_diagram("痛风 · Gout"),
            "大脚趾关节红肿，内有白色尿酸盐结晶 / A swollen big-toe joint with white urate crystals",
            doctor,
        ),
        "plate": _illustration(
            "餐盘法示意 Plate method",
            illustrations.plate_diagram("餐盘法 · Plate method"),
            "餐盘一半是蔬菜，四分之一蛋白质，四分之一主食 / "
            "A plate: half vegetables, a quarter protein, a quarter starch",
            doctor,
        ),
    }
    for spec in ARTICLES:
        language = spec["language"]
        index = tree[language]["articles"]
        existing = Article.objects.child_of(index).filter(title=spec["title"]).first()
        original = Article.objects.filter(title=spec["translation_of"]).first() if "translation_of" in spec else None
        if existing is not None:
            if original is not None and existing.translation_key != original.translation_key:
                Page.objects.filter(pk=existing.pk).update(translation_key=original.translation_key)
            continue
        author = doctor if spec["illustration"] != "plate" else doctor2
        entry_filter = (
            {"icd10_codes": spec["entry_code"]} if "entry_code" in spec else {"source_id": spec.get("entry_source_id")}
        )
        entry = EncyclopediaEntry.objects.child_of(tree[language]["encyclopedia"]).filter(**entry_filter).first()
        article = Article(
            title=spec["title"],
            slug=slugify(spec["title"]) or f"article-{Article.objects.count() + 1}",
            summary=spec["summary"],
            body=_body_blocks(spec["body"], drawings[spec["illustration"]]),
            owner=author,
            doctor=author.doctor_profile,
            locale=index.locale,
            last_reviewed=datetime.date(2026, 11, 1),
            live=False,
        )
        if original is not None:  # one topic in two languages: Wagtail translations of each other
            article.translation_key = original.translation_key
        index.add_child(instance=article)
        article.tags.add(*spec["tags"])
        if entry:
            article.related_entries.add(entry)
        article.save_revision(user=author).publish(user=editor)
    _demo_patients(profile)
    _demo_channels()
    call_command("load_followup_templates", stdout=io.StringIO())
    return [
        DemoAccount("admin", "administrator", password),
        DemoAccount("editor", "editor (reviews and approves)", password),
        DemoAccount("doctor", "doctor 李明 (writes articles)", password),
        DemoAccount("doctor.wang", "doctor 王芳 (writes articles)", password),
        DemoAccount(
            "distributor", "distributor (patients, follow-up plans, campaigns, channels; no article editing)", password
        ),
    ]
