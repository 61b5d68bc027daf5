"""Uploaded originals get random names and are not public; published pictures still reach readers."""

from __future__ import annotations

import pytest

from cms.illustrations.models import Illustration
from tests.cms.illustrations.uploads import png_bytes, upload

pytestmark = pytest.mark.django_db


def test_uploads_get_random_names_and_their_originals_are_for_staff_only(client, people):
    client.force_login(people["editor"])
    assert upload(client, png_bytes(), name="plate-method.png").status_code == 302
    picture = Illustration.objects.get()
    assert picture.file.name.startswith("original_images/") and "plate-method" not in picture.file.name
    assert picture.file.name.endswith(".png")
    assert client.get(f"/media/{picture.file.name}").status_code == 200  # staff see the original

    client.logout()
    assert client.get(f"/media/{picture.file.name}").status_code == 404
    assert client.get("/media/original_images/plate-method.png").status_code == 404
    rendition = picture.get_rendition("fill-40x30")
    assert "plate-method" not in rendition.file.name
    assert client.get(rendition.url).status_code == 200  # what public pages show stays public


def test_media_paths_the_file_system_cannot_hold_are_404(client):
    assert client.get("/media/" + "a" * 300).status_code == 404


def test_the_images_api_lists_only_pictures_that_published_pages_show(client, settings):
    from tests.builders import make_illustration, publish_sample_site

    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    site = publish_sample_site()
    unused = make_illustration()
    listed = [item["id"] for item in client.get("/api/v2/images/").json()["items"]]
    assert site.illustration.pk in listed
    assert unused.pk not in listed
