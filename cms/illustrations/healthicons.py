"""The Health Icons set (Resolve to Save Lives, MIT) as a tagged, attributed illustration collection.

Each icon of the set (filled, outline and negative variants; the 24 px variants are the same drawings
hinted for small screens and are left out) becomes one Illustration: rasterised from its SVG to a PNG big
enough for slides, tagged in Chinese and English with its category and the body system it belongs to, with
alt text and the set's attribution. Importing again updates nothing that is already there.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = "Health Icons, Resolve to Save Lives"
LICENCE = "MIT"
SOURCE_URL = "https://github.com/resolvetosavelives/healthicons"
COLLECTION_NAME = "健康图标 Health Icons"
SET_TAG = "健康图标 Health Icons"
ICON_PIXELS = 640  # slides place a picture up to ~600 px tall; key-point icons are scaled down from this
INK = "#1b5e7a"  # the studio's teal, dark enough on white for readers with low vision
PAPER = "#ffffff"

# The set's categories, named for Chinese readers first.
CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "Blood": ("血液", "blood"),
    "Body": ("人体", "body"),
    "Conditions": ("疾病与症状", "conditions"),
    "Contraceptives": ("避孕", "contraceptives"),
    "Devices": ("医疗器械", "devices"),
    "Diagnostics": ("检查诊断", "diagnostics"),
    "Emotions": ("情绪", "emotions"),
    "Exercise": ("运动", "exercise"),
    "Graphs": ("图表", "graphs"),
    "Medications": ("药物", "medications"),
    "Nutrition": ("营养", "nutrition"),
    "Objects": ("物品", "objects"),
    "People": ("人物", "people"),
    "Places": ("场所", "places"),
    "Ppe": ("防护用品", "protective equipment"),
    "Shapes": ("形状", "shapes"),
    "Specialties": ("专科", "specialties"),
    "Symbols": ("符号", "symbols"),
    "Typography": ("文字", "typography"),
    "Vehicles": ("交通工具", "vehicles"),
    "Zoonoses": ("人畜共患病", "zoonoses"),
}


@dataclass(frozen=True)
class BodySystem:
    key: str
    zh: str
    en: str
    words: tuple[str, ...]  # parts of icon names that belong to it

    @property
    def tags(self) -> tuple[str, str]:
        return (self.zh, self.en)


BODY_SYSTEMS: tuple[BodySystem, ...] = (
    BodySystem(
        "cardiovascular",
        "心血管系统",
        "cardiovascular system",
        (
            "heart",
            "cardio",
            "blood-pressure",
            "blood-vessel",
            "pulse",
            "stent",
            "varicose",
            "coronary",
            "defibrillator",
            "cpr",
            "vascular",
        ),
    ),
    BodySystem(
        "respiratory",
        "呼吸系统",
        "respiratory system",
        (
            "lung",
            "asthma",
            "inhaler",
            "respir",
            "cough",
            "pneumonia",
            "tb",
            "oxygen",
            "ventilator",
            "cpap",
            "expectorate",
            "nose",
            "smoking",
        ),
    ),
    BodySystem(
        "endocrine",
        "内分泌与代谢",
        "endocrine and metabolism",
        (
            "diabet",
            "insulin",
            "thyroid",
            "endocrin",
            "pancrea",
            "sugar",
            "overweight",
            "underweight",
            "body-mass-index",
            "waist",
            "malnutrition",
        ),
    ),
    BodySystem(
        "digestive",
        "消化系统",
        "digestive system",
        (
            "stomach",
            "intestin",
            "colon",
            "colorectal",
            "liver",
            "hepat",
            "gallbladder",
            "gastro",
            "diarrhea",
            "vomit",
            "nause",
            "oesophag",
            "anus",
            "mouth",
            "tongue",
        ),
    ),
    BodySystem(
        "musculoskeletal",
        "骨骼肌肉",
        "bones and muscles",
        (
            "bone",
            "joint",
            "spine",
            "skeleton",
            "back-pain",
            "orthop",
            "fracture",
            "cast",
            "crutch",
            "sling",
            "rheumat",
            "leg",
            "arm",
            "foot",
            "cane",
            "wheelchair",
            "physical-therapy",
        ),
    ),
    BodySystem(
        "nervous",
        "神经系统与精神",
        "brain, nerves and mind",
        ("brain", "neuro", "nerv", "head", "dizzy", "mental", "psycholog", "confused", "sleepy"),
    ),
    BodySystem(
        "urinary",
        "泌尿系统",
        "kidneys and urinary tract",
        ("kidney", "bladder", "urin", "urolog", "nephrolog", "dialysis", "prostate"),
    ),
    BodySystem(
        "reproductive",
        "生殖与孕产",
        "pregnancy and reproduction",
        (
            "pregnan",
            "fetus",
            "baby",
            "lactation",
            "breast",
            "uterus",
            "gynec",
            "obstetric",
            "contracept",
            "iud",
            "condom",
            "sperm",
            "vagina",
            "penis",
            "testicle",
            "reproductive",
            "family-planning",
            "sonogram",
            "ultrasound",
            "nappy",
        ),
    ),
    BodySystem("skin", "皮肤", "skin", ("skin", "burn", "blister", "bandage", "stitches", "sweating")),
    BodySystem(
        "eyes_ears",
        "眼耳鼻喉与口腔",
        "eyes, ears, nose, throat and teeth",
        (
            "eye",
            "vision",
            "opthalm",
            "contact-lenses",
            "ear",
            "hearing",
            "deaf",
            "cochlear",
            "tooth",
            "dental",
            "odontolog",
            "throat",
        ),
    ),
    BodySystem(
        "blood_immunity",
        "血液与免疫",
        "blood and immunity",
        ("blood", "hematolog", "antibody", "lymph", "immun", "allerg", "hiv", "vaccine", "virus", "bacteria"),
    ),
)


@dataclass(frozen=True)
class HealthIcon:
    name: str  # e.g. "blood-pressure-monitor-outline"
    body: str  # SVG inner markup for a 48×48 view box
    categories: tuple[str, ...]
    width: int = 48
    height: int = 48
    body_systems: tuple[BodySystem, ...] = field(default=())

    @property
    def base_name(self) -> str:
        return re.sub(r"-(outline|negative)$", "", self.name)

    @property
    def variant(self) -> str:
        return self.name.rsplit("-", 1)[1] if self.name.endswith(("-outline", "-negative")) else "filled"

    @property
    def words(self) -> str:
        return self.base_name.replace("-", " ")

    @property
    def source_url(self) -> str:
        return f"{SOURCE_URL}#{self.name}"

    def title(self) -> str:
        variant = {"outline": " (outline)", "negative": " (negative)"}.get(self.variant, "")
        return f"{self.words}{variant} · 图标"

    def alt_text(self) -> str:
        zh_category = "、".join(CATEGORY_NAMES.get(name, (name, name))[0] for name in self.categories) or "健康"
        en_category = ", ".join(CATEGORY_NAMES.get(name, (name, name))[1] for name in self.categories) or "health"
        return f"{zh_category}图标：{self.words} / {en_category} icon: {self.words}"

    def tags(self) -> list[str]:
        tags = [SET_TAG]
        for category in self.categories:
            tags.extend(CATEGORY_NAMES.get(category, (category, category.lower())))
        for system in self.body_systems:
            tags.extend(system.tags)
        return list(dict.fromkeys(tags))

    def svg(self, *, pixels: int = ICON_PIXELS, ink: str = INK) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{pixels}" height="{pixels}" color="{ink}">{self.body}</svg>'
        )

    def png(self, *, pixels: int = ICON_PIXELS, ink: str = INK, paper: str | None = PAPER) -> bytes:
        """The icon rasterised, on white by default (JPEG and WebP renditions keep a clean background)."""
        import cairosvg

        return cairosvg.svg2png(bytestring=self.svg(pixels=pixels, ink=ink).encode(), background_color=paper)


def body_systems_of(name: str) -> tuple[BodySystem, ...]:
    parts = name.lower()
    return tuple(system for system in BODY_SYSTEMS if any(word in parts for word in system.words))


class IconSetError(ValueError):
    """The folder does not hold the Health Icons set in the expected Iconify format."""


def load_icons(folder: Path, *, names: Iterable[str] | None = None) -> Iterator[HealthIcon]:
    """The icons of the set in ``folder`` (``icons.json`` + ``metadata.json``), 24 px variants left out."""
    try:
        icon_set = json.loads((folder / "icons.json").read_text(encoding="utf-8"))
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IconSetError(f"{folder}: cannot read the Health Icons set ({error})") from error
    if not isinstance(icon_set.get("icons"), dict):
        raise IconSetError(f"{folder / 'icons.json'}: no 'icons' object (not an Iconify icon set)")
    categories_of: dict[str, list[str]] = {}
    for category, members in (metadata.get("categories") or {}).items():
        for member in members:
            categories_of.setdefault(re.sub(r"-24px$", "", member), []).append(category)
    wanted = set(names) if names is not None else None
    width, height = icon_set.get("width", 48), icon_set.get("height", 48)
    for name in sorted(icon_set["icons"]):
        if name.endswith("-24px") or (wanted is not None and name not in wanted):
            continue
        raw = icon_set["icons"][name]
        if not isinstance(raw, dict) or not raw.get("body"):
            continue
        icon = HealthIcon(
            name=name, body=raw["body"], width=raw.get("width", width), height=raw.get("height", height), categories=()
        )
        # Negative variants are not listed in the metadata: they share their drawing's categories.
        categories = (
            categories_of.get(name)
            or categories_of.get(icon.base_name)
            or categories_of.get(icon.base_name + "-outline", [])
        )
        icon = HealthIcon(**{**icon.__dict__, "categories": tuple(dict.fromkeys(categories))})
        yield HealthIcon(**{**icon.__dict__, "body_systems": body_systems_of(icon.base_name)})


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_icons(folder: Path, *, names: Iterable[str] | None = None, user=None, progress=None) -> ImportResult:
    """Create or update one Illustration per icon in the Health Icons collection; keyed on the icon's source URL."""
    from django.core.files.images import ImageFile
    from django.db import transaction
    from wagtail.models import Collection

    from .models import Illustration

    result = ImportResult()
    collection = _collection(Collection)
    existing = {
        image.source_url: image for image in Illustration.objects.filter(source_url__startswith=SOURCE_URL + "#")
    }
    for number, icon in enumerate(load_icons(folder, names=names), start=1):
        image = existing.get(icon.source_url)
        tags = icon.tags()
        with transaction.atomic():
            if image is None:
                image = Illustration(
                    title=icon.title(),
                    alt_text=icon.alt_text(),
                    source=SOURCE,
                    source_url=icon.source_url,
                    licence=LICENCE,
                    collection=collection,
                    uploaded_by_user=user,
                    file=ImageFile(io.BytesIO(icon.png()), name=f"healthicons-{icon.name}.png"),
                )
                image._set_image_file_metadata()  # size and hash, as Wagtail's upload form fills them
                image.save()
                image.tags.set(tags)
                result.created += 1
            else:
                changed = {
                    k: v
                    for k, v in {
                        "title": icon.title(),
                        "alt_text": icon.alt_text(),
                        "licence": LICENCE,
                        "source": SOURCE,
                    }.items()
                    if getattr(image, k) != v
                }
                if changed or set(image.tags.names()) != set(tags):
                    for key, value in changed.items():
                        setattr(image, key, value)
                    image.save(update_fields=list(changed) or None)
                    image.tags.set(tags)
                    result.updated += 1
                else:
                    result.unchanged += 1
        if progress and number % 200 == 0:
            progress(number)
    return result


def _collection(Collection):
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=COLLECTION_NAME).first()
    return collection or root.add_child(name=COLLECTION_NAME)
