"""Doctors: the people whose advice the studio publishes."""

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from cms.core.languages import language_family


class DoctorCredit(NamedTuple):
    name: str
    title: str
    hospital: str


class DoctorProfile(index.Indexed, models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_profile")
    name = models.CharField(pgettext_lazy("a person's", "name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("Used in the homepage URL."))
    title = models.CharField(_("professional title"), max_length=100, blank=True, help_text=_("e.g. 主任医师"))
    hospital = models.CharField(_("hospital"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    # English pages, covers, posters and videos credit the doctor in English; empty falls back to the above.
    name_en = models.CharField(
        _("name in English"),
        max_length=100,
        blank=True,
        help_text=_("As English readers should see it, e.g. Dr Li Ming."),
    )
    title_en = models.CharField(
        _("professional title in English"), max_length=100, blank=True, help_text=_("e.g. Chief Physician")
    )
    hospital_en = models.CharField(_("hospital in English"), max_length=200, blank=True)
    department_en = models.CharField(_("department in English"), max_length=100, blank=True)
    specialties = models.CharField(
        _("specialties"),
        max_length=300,
        blank=True,
        help_text=_("What patients come to you for, comma-separated, e.g. 高血压, 心力衰竭."),
    )
    specialties_en = models.CharField(_("specialties in English"), max_length=300, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    bio_en = models.TextField(_("biography in English"), blank=True)
    photo = models.ForeignKey(
        "illustrations.Illustration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preferred_voice = models.CharField(
        _("preferred narration voice"),
        max_length=80,
        blank=True,
        help_text=_("TTS voice for this doctor's articles, e.g. zh-CN-XiaoxiaoNeural; empty for the default."),
    )

    panels = [
        FieldPanel("user"),
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("title"),
        FieldPanel("hospital"),
        FieldPanel("department"),
        FieldPanel("name_en"),
        FieldPanel("title_en"),
        FieldPanel("hospital_en"),
        FieldPanel("department_en"),
        FieldPanel("specialties"),
        FieldPanel("specialties_en"),
        FieldPanel("bio"),
        FieldPanel("bio_en"),
        FieldPanel("photo"),
        FieldPanel("preferred_voice"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("hospital"),
        index.SearchField("name_en"),
        index.SearchField("hospital_en"),
        index.SearchField("department"),
        index.FilterField("slug"),
    ]

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hospital})" if self.hospital else self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.user.get_username()) or f"doctor-{self.user_id}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("doctor_homepage", kwargs={"slug": self.slug})

    def credit(self, language: str) -> DoctorCredit:
        """Name, title and hospital as a reader of ``language`` ('en', 'zh-hans', …) should see them."""
        if language_family(language) == "en":
            return DoctorCredit(
                self.name_en or self.name, self.title_en or self.title, self.hospital_en or self.hospital
            )
        return DoctorCredit(self.name, self.title, self.hospital)

    def profile_for(self, language: str) -> dict[str, object]:
        """What the public homepage shows, in ``language`` (English falls back to the Chinese text)."""
        english = language_family(language) == "en"
        credit = self.credit(language)
        specialties = (self.specialties_en or self.specialties) if english else self.specialties
        for separator in ("，", "、", ";", "；"):
            specialties = specialties.replace(separator, ",")
        return {
            "name": credit.name,
            "title": credit.title,
            "hospital": credit.hospital,
            "department": (self.department_en or self.department) if english else self.department,
            "specialties": [item.strip() for item in specialties.split(",") if item.strip()],
            "bio": (self.bio_en or self.bio) if english else self.bio,
        }

    @property
    def byline(self) -> str:
        return " · ".join(part for part in (self.name, self.title, self.hospital) if part)
