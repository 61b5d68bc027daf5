"""Uploading to the illustration library through the admin: good files land, bad ones are refused clearly."""

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from cms.illustrations.models import Illustration
from tests.admin_language import admin_text
from tests.cms.illustrations.uploads import png_bytes, upload


@pytest.fixture
def editor_client(client, people):
    client.force_login(people["editor"])
    return client


@pytest.mark.django_db
def test_valid_upload_is_stored_with_alt_text_source_and_licence(editor_client):
    response = upload(editor_client, png_bytes())
    assert response.status_code == 302
    image = Illustration.objects.get()
    assert (image.width, image.height) == (64, 48)
    assert image.default_alt_text == "A heart with four chambers"
    assert image.attribution == "Own work · CC BY 4.0"
    assert list(image.tags.names()) == ["cardiology"]
    with Image.open(image.file.path) as stored:
        assert stored.size == (64, 48)


@pytest.mark.django_db
def test_alt_text_source_and_licence_are_required(editor_client):
    response = upload(editor_client, png_bytes(), alt_text="", licence="")
    assert response.status_code == 200
    assert Illustration.objects.count() == 0
    form = response.context["form"]
    assert "alt_text" in form.errors and "licence" in form.errors


@pytest.mark.django_db
def test_truncated_file_is_refused_with_a_clear_message(editor_client):
    data = png_bytes((400, 300), "navy")
    response = upload(editor_client, data[: len(data) // 2])
    assert response.status_code == 200
    assert Illustration.objects.count() == 0
    message = admin_text(
        "This file could not be read as an image: it may be truncated or damaged (%(reason)s). "
        "Please export it again and re-upload.",
        reason="Truncated File Read",
    )
    assert response.context["form"].errors["file"] == [message]


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused(editor_client):
    response = upload(editor_client, b"%PDF-1.4 definitely not a picture", name="scan.png")
    assert response.status_code == 200
    assert Illustration.objects.count() == 0
    assert response.context["form"].errors["file"]


@pytest.mark.django_db
def test_unsafe_formats_are_refused(editor_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = upload(editor_client, svg, name="drawing.svg")
    assert response.status_code == 200
    assert Illustration.objects.count() == 0


@pytest.mark.django_db
@override_settings(WAGTAILIMAGES_MAX_IMAGE_PIXELS=10_000)
def test_too_many_pixels_are_refused_before_decoding(editor_client):
    response = upload(editor_client, png_bytes((200, 200)))
    assert response.status_code == 200
    assert Illustration.objects.count() == 0
    assert response.context["form"].errors["file"] == [
        admin_text(
            "This image is %(w)s×%(h)s pixels; the limit is %(max)s pixels in all. Please scale it down before uploading.",
            w=200,
            h=200,
            max="10,000",
        )
    ]


@pytest.mark.django_db
def test_decompression_bomb_is_refused(editor_client):
    # A real 20000×20000 PNG compresses to a few hundred kilobytes and would need 1.2 GB to decode.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    response = upload(editor_client, buffer.getvalue())
    assert response.status_code == 200
    assert Illustration.objects.count() == 0
    assert admin_text("This image has too many pixels to be opened safely.") in response.context["form"].errors["file"]


@pytest.mark.django_db
@override_settings(WAGTAILIMAGES_MAX_UPLOAD_SIZE=1000)
def test_oversized_file_is_refused(editor_client):
    response = upload(editor_client, png_bytes((300, 300), "red") + b"\0" * 2000)
    assert response.status_code == 200
    assert Illustration.objects.count() == 0


@pytest.mark.django_db
def test_doctors_upload_to_the_shared_library_but_manage_only_their_own(client, people):
    client.force_login(people["doctor_a"])
    assert upload(client, png_bytes()).status_code == 302
    image = Illustration.objects.get()
    assert image.uploaded_by_user == people["doctor_a"]
    client.force_login(people["doctor_b"])
    client.post(reverse("wagtailimages:delete", args=[image.pk]))
    assert Illustration.objects.filter(pk=image.pk).exists()
    # …but may choose it for their own articles.
    chooser = client.get(reverse("wagtailimages_chooser:choose"))
    assert chooser.status_code == 200 and "Heart diagram" in chooser.content.decode()
