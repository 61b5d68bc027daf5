"""The video poster a phone downloads first: a copy fitted to the screen, not the 1080×1920 frame."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from distribution.sharing.models import share_link_for
from media_pipeline.models import MediaOutput, OutputRole, RenderKind
from tests.builders import attach_sample_media

pytestmark = pytest.mark.django_db


def full_size_posters(article) -> dict[str, int]:
    """Give the sample renders posters of the size the video stage makes (a title card: text on colour)."""
    sizes = {}
    for output in MediaOutput.objects.filter(render__article=article, role=OutputRole.POSTER).select_related("render"):
        size = (1080, 1920) if output.render.kind == RenderKind.VIDEO_PORTRAIT else (1920, 1080)
        picture = Image.new("RGB", size, (11, 92, 85))
        draw = ImageDraw.Draw(picture)
        for row in range(0, size[1], 48):
            draw.text(
                (60, row), "在家测血压：五个步骤测得准 · Measuring your blood pressure at home", fill=(255, 255, 255)
            )
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=86, optimize=True, progressive=True)  # as the video stage saves it
        output.file.save("poster.jpg", ContentFile(buffer.getvalue()), save=False)
        output.width, output.height, output.size = *size, len(buffer.getvalue())
        output.save()
        sizes[output.render.kind] = output.size
    return sizes


def storage_name(url: str) -> str:
    return url.removeprefix(default_storage.base_url)


def test_the_page_shows_posters_fitted_to_the_screen(client, site):
    attach_sample_media(site.article_zh, video=True)
    original_bytes = full_size_posters(site.article_zh)
    link = share_link_for(site.article_zh)
    html = client.get(link.get_absolute_url()).content.decode()

    shown = re.search(r'<video[^>]* poster="([^"]+)"', html).group(1)
    per_source = dict(re.findall(r'data-orientation="(\w+)" data-poster="([^"]+)"', html))
    assert shown == per_source["portrait"]  # without script a phone shows the portrait poster
    for orientation, kind, box in (
        ("portrait", RenderKind.VIDEO_PORTRAIT, (540, 960)),
        ("landscape", RenderKind.VIDEO_LANDSCAPE, (960, 540)),
    ):
        url = per_source[orientation]
        assert url.startswith("/media/media-renders/") and url.endswith(f"-fit{box[0]}x{box[1]}.jpg")
        served = client.get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        body = b"".join(served.streaming_content) if served.streaming else served.content
        with Image.open(io.BytesIO(body)) as picture:
            assert picture.size == box and picture.format == "JPEG"
        assert len(body) < original_bytes[kind] / 2, (orientation, len(body), original_bytes[kind])

    # Made once: a later rendering of the page reuses the file.
    made = default_storage.listdir(storage_name(per_source["portrait"]).rsplit("/", 1)[0])[1]
    cache.clear()
    again = client.get(link.get_absolute_url()).content.decode()
    assert re.search(r'<video[^>]* poster="([^"]+)"', again).group(1) == shown
    assert default_storage.listdir(storage_name(shown).rsplit("/", 1)[0])[1] == made


def test_a_small_or_unreadable_poster_is_shown_as_it_is(client, site):
    urls = attach_sample_media(site.article_zh, video=True)  # 180×320 posters: smaller than the box
    link = share_link_for(site.article_zh)
    html = client.get(link.get_absolute_url()).content.decode()
    assert f'poster="{urls["portrait:poster"]}"' in html

    full_size_posters(site.article_zh)
    portrait = MediaOutput.objects.get(
        render__article=site.article_zh, role=OutputRole.POSTER, render__kind=RenderKind.VIDEO_PORTRAIT
    )
    default_storage.delete(portrait.file.name)  # lost from the storage
    cache.clear()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert f'poster="{portrait.file.url}"' in response.content.decode()
