from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from .validation import verify_decodable


class DecodedImageField(WagtailImageField):
    """Wagtail's image field, decoding the whole upload before Wagtail reads its header.

    Wagtail's own checks open the file lazily and let a truncated image raise
    deep inside Pillow (a server error); decoding first turns that into a form
    error the doctor can act on.
    """

    def to_python(self, data):
        if isinstance(data, UploadedFile):
            verify_decodable(data, settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS)
        return super().to_python(data)


class IllustrationForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if isinstance(field, WagtailImageField):
            # Same field, same options; only the decoding step is added.
            field.__class__ = DecodedImageField
