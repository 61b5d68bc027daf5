"""The doctor's credit (name, title, hospital) in the language of the page showing it."""

from __future__ import annotations

from django import template

from cms.core.public_site import content_language
from cms.doctors.models import DoctorCredit, DoctorProfile

register = template.Library()


@register.simple_tag(takes_context=True)
def doctor_credit(context: template.Context, doctor: DoctorProfile | None) -> DoctorCredit | None:
    """``{% doctor_credit page.doctor as credit %}`` → ``credit.name``, ``credit.title``, ``credit.hospital``."""
    if doctor is None:
        return None
    return doctor.credit(content_language(context))
