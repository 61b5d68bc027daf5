"""Leaving: stop messages, or erase the contact data (PIPL art. 47, the right to deletion).

Erasing removes the contact point — its address, consent and the
unsubscribe token — and, when the patient has no other way to be reached,
the patient with their tags, group memberships, enrolments, consents and
ledger rows. What stays is an ``Erasure`` row (doctor, channel, time) and a
log line with the same: nothing that identifies the person.
"""

from __future__ import annotations

import logging

from django.db import transaction

from distribution.patients.models import ContactPoint

from .models import Erasure

__all__ = ["erase_contact"]

logger = logging.getLogger(__name__)


def erase_contact(contact: ContactPoint) -> Erasure:
    with transaction.atomic():
        patient = contact.patient
        doctor_id, channel = patient.doctor_id, contact.channel
        contact.delete()
        patient_removed = not patient.contacts.exists()
        if patient_removed:
            patient.delete()  # cascades: tags, enrolments, join consents, deliveries
        erasure = Erasure.objects.create(doctor_id=doctor_id, channel=channel, patient_removed=patient_removed)
    logger.info(
        "erasure %s: %s contact removed for doctor %s%s",
        erasure.pk,
        channel,
        doctor_id,
        " (patient removed)" if patient_removed else "",
    )
    return erasure
