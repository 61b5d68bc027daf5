"""What joining through an invitation does, once, whatever the number of submits.

``join`` finds the doctor's patient by the verified address (the same
number or openid is the same patient), records the consent, adds the
offered conditions as tags, puts the patient in the code's group and plan,
and writes the welcome message into the delivery ledger — every step is
idempotent, so a second join changes nothing but the consent record.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cms.articles.models import Article
from cms.core.outbox import enqueue_on_commit
from cms.core.publication import public_pages
from distribution.campaigns.enrolment import enrol_patients
from distribution.campaigns.message_content import WELCOME_STEP_PREFIX, article_for_language
from distribution.campaigns.models import Delivery
from distribution.delivery.states import DeliveryState
from distribution.patients.models import ContactPoint, Patient, PatientGroup

from .consent import CONSENT_VERSION
from .models import Invitation, JoinConsent
from .tasks import send_welcome
from .verification import _digest

__all__ = ["JoinRequest", "JoinResult", "join", "welcome_article_for"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JoinRequest:
    display_name: str
    channel: str  # "sms" or "wechat"
    address: str  # verified: E.164 number or openid
    language: str
    keywords: tuple[str, ...] = ()
    health_data_consent: bool = False


@dataclass
class JoinResult:
    patient: Patient
    contact: ContactPoint
    created: bool
    enrolled: bool = False
    welcome: Delivery | None = None
    notes: list[str] = field(default_factory=list)


def welcome_article_for(invitation: Invitation, language: str) -> Article | None:
    """The invitation's welcome article, or the doctor's first published one, in ``language`` when translated."""
    article = None
    if invitation.welcome_article_id:
        article = public_pages(Article.objects).filter(pk=invitation.welcome_article_id).first()
    if article is None:
        article = (
            public_pages(Article.objects).filter(doctor=invitation.doctor).order_by("first_published_at", "pk").first()
        )
    return article_for_language(article, language) if article else None


def join(invitation: Invitation, request: JoinRequest) -> JoinResult:
    lock = f"kepu:join:lock:{invitation.doctor_id}:{request.channel}:{_digest('lock', request.address)}"
    for _attempt in range(50):  # two submits of the same form must not make two patients
        if cache.add(lock, 1, 30):
            break
        time.sleep(0.1)
    try:
        with transaction.atomic():
            result = _join(invitation, request)
    finally:
        cache.delete(lock)
    if result.welcome is not None and result.welcome.state == DeliveryState.PENDING:
        enqueue_on_commit(send_welcome, result.welcome.pk)  # broker down: the outbox keeps it
    return result


def _join(invitation: Invitation, request: JoinRequest) -> JoinResult:
    now = timezone.now()
    doctor = invitation.doctor
    contact = (
        ContactPoint.objects.select_related("patient")
        .filter(patient__doctor=doctor)
        .with_address(request.channel, [request.address])
        .first()
    )
    created = contact is None
    if created:
        patient = Patient.objects.create(
            doctor=doctor,
            display_name=request.display_name,
            preferred_language=request.language,
            enrolled_on=timezone.localdate(),
        )
        contact = ContactPoint.objects.create(
            patient=patient, channel=request.channel, address=request.address, consent_at=now
        )
    else:
        patient = contact.patient
        # Joining again is a fresh opt-in: it lifts an earlier unsubscribe on this channel.
        ContactPoint.objects.filter(pk=contact.pk).update(consent_at=now, unsubscribed_at=None)
        Patient.objects.filter(pk=patient.pk).update(
            display_name=request.display_name, preferred_language=request.language
        )
        patient.refresh_from_db()
        contact.refresh_from_db()
    JoinConsent.objects.create(
        patient=patient,
        invitation=invitation,
        channel=request.channel,
        text_version=CONSENT_VERSION,
        language=request.language,
        health_data_consent=request.health_data_consent,
        given_at=now,
    )
    offered = set(invitation.keyword_list())
    chosen = [word for word in request.keywords if word in offered] if request.health_data_consent else []
    if chosen:
        patient.tags.add(*chosen)
        patient.save()  # ClusterTaggableManager keeps tags in memory until the patient is saved
    if invitation.group_id and invitation.group.kind == PatientGroup.STATIC:
        invitation.group.members.add(patient)
    result = JoinResult(patient, contact, created)
    if invitation.plan_id:
        report = enrol_patients(invitation.plan, [patient], starts_on=timezone.localdate())
        result.enrolled = bool(report.enrolled)
    article = welcome_article_for(invitation, request.language)
    if article is not None:
        result.welcome, _new = Delivery.objects.get_or_create(
            step_key=f"{WELCOME_STEP_PREFIX}{doctor.pk}",
            patient=patient,
            channel=request.channel,
            defaults={
                "contact": contact,
                "language": request.language,
                "article": article,
                "state": DeliveryState.PENDING,
                "next_attempt_at": now,
            },
        )
    if created:
        invitation.count_join()
    logger.info("invitation %s: patient %s %s", invitation.pk, patient.pk, "joined" if created else "joined again")
    return result
