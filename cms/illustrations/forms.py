from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from wagtail.images.forms import BaseImageForm

from .validation import verify_decodable


class IllustrationForm(BaseImageForm):
    """Wagtail's image form, plus a full decode of a newly uploaded file."""

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):
            verify_decodable(uploaded, settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS)
        return uploaded
