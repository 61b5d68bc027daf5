"""The illustration library a doctor can use: Health Icons imported with zh/en tags, alt text and attribution;
the studio's composed topic pictures; and an image chooser that filters by body system and kind of picture."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from cms.illustrations.healthicons import BODY_SYSTEMS, ICON_PIXELS, SET_TAG, load_icons
from cms.illustrations.models import Illustration
from media_pipeline.render.illustration_specs import COMPOSED

ICONS = Path(settings.KEPU_DATA_DIR) / "healthicons"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not (ICONS / "icons.json").is_file(), reason=f"the Health Icons set is not at {ICONS}"),
]
A_HANDFUL = ["blood-pressure", "blood-pressure-outline", "foot", "asthma-inhaler", "pregnant"]


def _import(*names: str) -> str:
    out = io.StringIO()
    call_command("import_health_icons", str(ICONS), "--only", *names, stdout=out)
    return out.getvalue()


def test_icons_import_with_tags_alt_text_and_attribution_and_again_changes_nothing(studio):
    assert "5 added" in _import(*A_HANDFUL)
    assert "0 added, 0 updated, 5 already up to date" in _import(*A_HANDFUL)
    assert Illustration.objects.count() == 5
    pressure = Illustration.objects.get(source_url__endswith="#blood-pressure")
    tags = set(pressure.tags.names())
    assert {SET_TAG, "心血管系统", "cardiovascular system"} <= tags
    assert pressure.licence == "MIT" and "Resolve to Save Lives" in pressure.attribution
    assert "blood pressure" in pressure.alt_text and "图标" in pressure.alt_text
    assert pressure.collection.name == "健康图标 Health Icons"
    with pressure.file.open("rb") as handle, Image.open(handle) as picture:
        assert picture.size == (ICON_PIXELS, ICON_PIXELS)
        # Really drawn: the teal ink covers part of the picture, the rest is white paper.
        colours = {colour for _count, colour in picture.convert("RGB").getcolors(1 << 20)}
        assert (255, 255, 255) in colours and (27, 94, 122) in colours
    assert "孕产" in "".join(Illustration.objects.get(source_url__endswith="#pregnant").tags.names())
    # The renditions article pages and slides ask for work on the imported files.
    rendition = pressure.get_rendition("width-480|format-webp")
    assert rendition.width == 480 and rendition.file.name.endswith(".webp")


def test_the_whole_set_is_read_without_its_24px_duplicates():
    icons = list(load_icons(ICONS))
    names = {icon.name for icon in icons}
    assert len(icons) > 2000 and not any(name.endswith("-24px") for name in names)
    assert {"blood-pressure", "blood-pressure-outline", "blood-pressure-negative"} <= names
    categorised = [icon for icon in icons if icon.categories]
    assert len(categorised) > 0.9 * len(icons)
    with_system = [icon for icon in icons if icon.body_systems]
    assert len(with_system) > 300  # the chooser's body-system filter has pictures behind every choice
    for system in BODY_SYSTEMS:
        assert any(system in icon.body_systems for icon in icons), system.key


def test_composed_illustrations_are_labelled_pictures_of_common_topics(studio, tmp_path):
    assert len(COMPOSED) >= 20 and len({spec.key for spec in COMPOSED}) == len(COMPOSED)
    available = {icon.name for icon in load_icons(ICONS)}
    for spec in COMPOSED:
        assert spec.guideline and len(spec.steps) >= 3 and spec.title_zh and spec.title_en
        assert all(step.icon in available for step in spec.steps), spec.key
    keys = ["home-blood-pressure", "plate-method", "insulin-sites"]
    out = io.StringIO()
    call_command("compose_illustrations", "--icons", str(ICONS), "--only", *keys, "--out", str(tmp_path), stdout=out)
    assert "3 drawn" in out.getvalue()
    call_command("compose_illustrations", "--icons", str(ICONS), "--only", *keys, stdout=out)
    assert "0 drawn, 3 already up to date" in out.getvalue()
    pictures = Illustration.objects.filter(source_url__startswith="kepu:composed/")
    assert pictures.count() == 3
    plate = pictures.get(source_url__startswith="kepu:composed/plate-method?")
    assert plate.title == "餐盘法 The plate method"
    assert "蔬菜" in plate.alt_text and "vegetables" in plate.alt_text
    assert {"糖尿病", "diabetes", "内分泌与代谢"} <= set(plate.tags.names())
    with plate.file.open("rb") as handle, Image.open(handle) as picture:
        assert picture.size == (1200, 800)
        assert len(picture.convert("RGB").getcolors(1 << 20)) > 50  # text, icons and shapes, not a blank
    assert len(list(tmp_path.glob("composed-*.png"))) == 3


def _chooser_html(client, **params) -> str:
    response = client.get(reverse("wagtailimages_chooser:choose"), params)
    assert response.status_code == 200
    return json.loads(response.content)["html"]


def test_the_image_chooser_filters_by_body_system_and_kind_in_both_languages(client, studio, people):
    _import(*A_HANDFUL)
    client.force_login(people["doctor_a"])
    everything = _chooser_html(client)
    assert 'name="body_system"' in everything and "心血管系统 · cardiovascular system" in everything
    assert "医疗器械 · devices" in everything
    cardiovascular = _chooser_html(client, body_system="cardiovascular")
    assert "blood pressure · 图标" in cardiovascular and "foot · 图标" not in cardiovascular
    results = client.get(
        reverse("wagtailimages_chooser:choose_results"), {"body_system": "respiratory"}
    ).content.decode()
    assert "asthma inhaler" in results and "blood pressure" not in results
    by_tag = client.get(
        reverse("wagtailimages_chooser:choose_results"), {"tag": "cardiovascular system"}
    ).content.decode()
    assert "blood pressure" in by_tag and "asthma inhaler" not in by_tag
    unknown = client.get(reverse("wagtailimages_chooser:choose_results"), {"body_system": "no-such-system"})
    assert unknown.status_code == 200 and "foot" in unknown.content.decode()
