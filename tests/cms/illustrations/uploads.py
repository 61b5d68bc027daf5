"""An image file and its upload through the illustration library's add form, as an editor sends it."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image


def png_bytes(size=(64, 48), color="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, content: bytes, name="diagram.png", **fields):
    data = {
        "title": "Heart diagram",
        "alt_text": "A heart with four chambers",
        "source": "Own work",
        "licence": "CC BY 4.0",
        "source_url": "",
        "tags": "cardiology",
        "collection": "1",
    }
    data.update(fields)
    data["file"] = SimpleUploadedFile(name, content, content_type="image/png")
    return client.post(reverse("wagtailimages:add"), data)
