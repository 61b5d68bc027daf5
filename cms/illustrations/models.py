"""The shared medical-illustration library.

A custom Wagtail image model: every illustration carries the alt text a
screen reader will speak, where it came from and under what licence, so an
article can never quietly ship an unattributed or unlabelled picture.
"""

import secrets
from pathlib import PurePosixPath

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class Illustration(AbstractImage):
    alt_text = models.CharField(
        _("alt text"),
        max_length=255,
        help_text=_("What the picture shows, for patients who cannot see it (屏幕阅读器朗读的图片说明)."),
    )
    source = models.CharField(
        _("source"), max_length=255, help_text=_("Who drew or photographed it, or where it was taken from.")
    )
    source_url = models.URLField(_("source URL"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=120, help_text=_("For example: CC BY 4.0, own work, licensed from …")
    )

    admin_form_fields = Image.admin_form_fields + ("alt_text", "source", "source_url", "licence")

    def get_upload_to(self, filename: str) -> str:
        """A random name: the uploaded one (``plate-method.png``) would let anyone guess the URL of a
        picture that is not published yet; renditions, which public pages use, derive their names from it."""
        extension = PurePosixPath(filename).suffix.lower()[:8]
        return f"original_images/{secrets.token_urlsafe(16)}{extension}"

    @property
    def default_alt_text(self) -> str:
        return self.alt_text or self.title

    @property
    def attribution(self) -> str:
        return f"{self.source} · {self.licence}" if self.licence else self.source

    class Meta(AbstractImage.Meta):
        verbose_name = _("illustration")
        verbose_name_plural = _("illustrations")


class IllustrationRendition(AbstractRendition):
    image = models.ForeignKey(Illustration, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
