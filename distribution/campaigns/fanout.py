"""Turning campaigns and follow-up plans into ledger rows.

A campaign's rows are written by the database itself, with one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` over the audience's contact
points: no row passes through Python, so memory stays flat whatever the group
size, and starting the same campaign twice (or two beat ticks racing) adds
nothing. What depends on the patient (their language's translation, the end
of quiet hours in their time zone) is computed in Python once per distinct
language and time zone and handed to the statement as CASE expressions.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.articles.models import Article
from cms.core.publication import approved_pages, approved_revision_id
from distribution.delivery.states import DeliveryState
from distribution.patients.models import ContactPoint, patients_of_groups
from distribution.sharing import analytics

from .configuration import distribution_settings
from .message_content import article_for_language, newest_article_tagged
from .models import CONTACT_SKIP_RULES, Campaign, Delivery, FollowUpEnrolment, FollowUpStep, next_allowed_moment

__all__ = [
    "CampaignError",
    "record_campaign_failure",
    "start_campaign",
    "start_scheduled_campaigns",
    "dispatch_followups",
    "campaign_statistics",
    "read_count_for",
    "last_progress_at",
    "stalled_campaign_ids",
    "resume_stalled_campaigns",
]

logger = logging.getLogger(__name__)


class CampaignError(ValueError):
    """The campaign cannot be started as it is."""


def _zone(name: str, cache: dict[str, zoneinfo.ZoneInfo]) -> zoneinfo.ZoneInfo:
    if name not in cache:
        try:
            cache[name] = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            cache[name] = zoneinfo.ZoneInfo("Asia/Shanghai")
    return cache[name]


# A random (version 4) UUID per row, computed by the database: Delivery.key as each backend stores it.
# The SQL goes through Django's "format" parameter style (and, with DEBUG on, through ``sql % params`` for
# the query log), so a literal modulo operator must be written ``%%``: a bare ``%`` ran in production but
# crashed every fan-out under DEBUG with "unsupported format character ')'".
_NEW_KEY_SQL = {
    "postgresql": "gen_random_uuid()",
    "sqlite": (
        "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (abs(random()) %% 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
    ),
}


def _skip_state_and_reason() -> tuple[Case, Case]:
    """CASE expressions over a ContactPoint row: ('skipped', reason) where CONTACT_SKIP_RULES forbid sending."""
    conditions = [
        (Q(**{f"{name}__isnull": skip_when_null}), reason) for name, skip_when_null, reason in CONTACT_SKIP_RULES
    ]
    state = Case(
        *[When(condition, then=Value(DeliveryState.SKIPPED)) for condition, _reason in conditions],
        default=Value(DeliveryState.PENDING),
        output_field=CharField(),
    )
    reason = Case(
        *[When(condition, then=Value(reason)) for condition, reason in conditions],
        default=Value(""),
        output_field=CharField(),
    )
    return state, reason


def _by_patient_column(column: str, values: dict[str, object], output_field) -> Value | Case:
    """``values[<the patient's column>]`` as SQL: a constant when all patients agree, else a CASE."""
    distinct = set(values.values())
    if len(distinct) == 1:
        return Value(distinct.pop(), output_field=output_field)
    return Case(
        *[
            When(**{f"patient__{column}": key}, then=Value(value, output_field=output_field))
            for key, value in values.items()
        ],
        output_field=output_field,
    )


def _insert_rows_from(select: QuerySet, columns: list[str]) -> int:
    """Run ``INSERT INTO <delivery> (columns) SELECT …`` skipping rows that already exist; returns rows added."""
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(Delivery._meta.get_field(name).column) for name in columns)
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as part of a join in the SELECT.
    statement = (
        f"INSERT INTO {quote(Delivery._meta.db_table)} ({names}) "  # noqa: S608 - names from the model, params bound
        f"SELECT * FROM ({sql}) AS audience WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def record_campaign_failure(campaign: Campaign, reason: str) -> None:
    """Mark a campaign that could not be started, with the reason shown in the admin.

    Rows already written stay (the fan-out is one statement, so usually none
    are); "Send now" starts it again and adds only what is missing.
    """
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.FAILED, state_reason=reason[:300])
    campaign.refresh_from_db(fields=["state", "state_reason"])


def validate_campaign(campaign: Campaign) -> None:
    if not approved_pages(Article.objects).filter(pk=campaign.article_id).exists():
        raise CampaignError(_("The article is not published yet: it can be sent once an editor has approved it."))
    if not campaign.channels:
        raise CampaignError(_("Choose at least one channel."))
    if not campaign.groups.exists():
        raise CampaignError(_("Choose at least one patient group."))
    if campaign.state in (Campaign.COMPLETED, Campaign.CANCELLED):
        raise CampaignError(_("The campaign is %(state)s.") % {"state": campaign.get_state_display()})


def start_campaign(campaign: Campaign, *, now: datetime | None = None) -> int:
    """Write one ledger row per (patient, channel) of the campaign; returns the rows added.

    Group rules are evaluated now. A doctor's campaign reaches only that
    doctor's patients whatever the groups say. Each row is due at the
    scheduled time or, when that falls in the patient's quiet hours, at
    their end in the patient's time zone.
    """
    now = now or timezone.now()
    validate_campaign(campaign)
    start_at = max(now, campaign.scheduled_at or now)
    patients = patients_of_groups(campaign.groups.all())
    if campaign.doctor_id is not None:
        patients = patients.filter(doctor_id=campaign.doctor_id)
    if connection.vendor not in _NEW_KEY_SQL:
        raise CampaignError(f"campaign fan-out supports SQLite and PostgreSQL, not {connection.vendor}")
    contacts = ContactPoint.objects.filter(patient__in=patients.values("pk"), channel__in=campaign.channels).order_by()
    languages_and_zones = set(contacts.values_list("patient__preferred_language", "patient__time_zone").distinct())
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.SENDING, started_at=now, state_reason="")
        added = 0
        if languages_and_zones:
            added = _insert_rows_from(
                _campaign_rows(campaign, contacts, languages_and_zones, start_at, now), _CAMPAIGN_ROW_COLUMNS
            )
    campaign.refresh_from_db()
    logger.info("campaign %s: %s delivery row(s) written", campaign.pk, added)
    return added


_CAMPAIGN_ROW_COLUMNS = [
    "key",
    "step_key",
    "campaign",
    "patient",
    "contact",
    "channel",
    "language",
    "article",
    "state",
    "reason",
    "attempts",
    "next_attempt_at",
    "claim_token",
    "claimed_by",
    "provider_message_id",
    "created_at",
    "updated_at",
]


def _campaign_rows(
    campaign: Campaign, contacts: QuerySet, languages_and_zones: set[tuple[str, str]], start_at: datetime, now: datetime
) -> QuerySet:
    """The SELECT producing one ledger row per contact, columns in ``_CAMPAIGN_ROW_COLUMNS`` order."""
    article = Article.objects.get(pk=campaign.article_id)
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    quiet = campaign.quiet_hours
    article_by_language = {
        language: article_for_language(article, language).pk
        for language in {language for language, _zone_name in languages_and_zones}
    }
    due_by_zone = {
        zone_name: next_allowed_moment(start_at, _zone(zone_name, zones), quiet)
        for zone_name in {zone_name for _language, zone_name in languages_and_zones}
    }
    state, reason = _skip_state_and_reason()
    columns = {
        "row_key": RawSQL(_NEW_KEY_SQL[connection.vendor], [], output_field=CharField()),  # noqa: S611 - constant SQL, no input
        "row_step_key": Value(campaign.step_key, output_field=CharField()),
        "row_campaign": Value(campaign.pk, output_field=BigIntegerField()),
        "row_patient": F("patient_id"),
        "row_contact": F("pk"),
        "row_channel": F("channel"),
        "row_language": F("patient__preferred_language"),
        "row_article": _by_patient_column("preferred_language", article_by_language, BigIntegerField()),
        "row_state": state,
        "row_reason": reason,
        "row_attempts": Value(0, output_field=IntegerField()),
        "row_next_attempt_at": _by_patient_column("time_zone", due_by_zone, DateTimeField()),
        "row_claim_token": Value("", output_field=CharField()),
        "row_claimed_by": Value("", output_field=CharField()),
        "row_provider_message_id": Value("", output_field=CharField()),
        "row_created_at": Value(now, output_field=DateTimeField()),
        "row_updated_at": Value(now, output_field=DateTimeField()),
    }
    return contacts.annotate(**columns).values_list(*columns)


def start_scheduled_campaigns(*, now: datetime | None = None) -> list[int]:
    """Start every scheduled campaign whose time has come; returns their ids."""
    now = now or timezone.now()
    started = []
    for campaign in Campaign.objects.filter(state=Campaign.SCHEDULED, scheduled_at__lte=now):
        try:
            start_campaign(campaign, now=now)
            started.append(campaign.pk)
        except CampaignError as exc:
            Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.PAUSED, state_reason=str(exc)[:300])
            logger.warning("campaign %s not started: %s", campaign.pk, exc)
        except Exception as exc:  # noqa: BLE001 - one broken campaign must not hold up the others
            record_campaign_failure(campaign, f"{type(exc).__name__}: {exc}")
            logger.exception("campaign %s could not be started", campaign.pk)
    return started


def _occurrence_moment(day: date, step: FollowUpStep, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, step.send_time, tzinfo=zone)


def dispatch_followups(*, now: datetime | None = None) -> int:
    """Write ledger rows for every follow-up step occurrence that is due; returns rows added.

    An occurrence is due when its local send time has passed. Occurrences from
    before the plan was attached are never sent, and ones more than
    ``followup_max_lateness_s`` late (the scheduler was down) are recorded as
    skipped rather than sent out of context.
    """
    now = now or timezone.now()
    config = distribution_settings()
    lateness = timedelta(seconds=config.followup_max_lateness_s)
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    added = 0
    enrolments = (
        FollowUpEnrolment.objects.filter(status=FollowUpEnrolment.ACTIVE)
        .select_related("plan", "patient")
        .prefetch_related("plan__steps", "patient__contacts")
    )
    for enrolment in enrolments.iterator(chunk_size=500):
        patient = enrolment.patient
        zone = _zone(patient.time_zone, zones)
        contacts = [c for c in patient.contacts.all() if c.channel in enrolment.plan.channels]
        if not contacts:
            continue
        rows = []
        for step in enrolment.plan.steps.all():
            for offset in step.days():
                day = enrolment.starts_on + timedelta(days=offset)
                due_at = _occurrence_moment(day, step, zone)
                if due_at > now:
                    break
                if due_at < enrolment.sends_from - timedelta(minutes=5):
                    continue
                quiet = enrolment.plan.quiet_hours if step.respect_quiet_hours else None
                send_at = next_allowed_moment(due_at, zone, quiet)
                too_late = now - send_at > lateness
                article_id = None
                skip = "too late: the scheduler missed this step" if too_late else ""
                if step.kind == FollowUpStep.ARTICLE and not skip:
                    article = _followup_article(step, patient)
                    if article is None:
                        skip = "no published article for this step"
                    else:
                        article_id = article.pk
                for contact in contacts:
                    state_reason = skip or contact.skip_reason()
                    rows.append(
                        Delivery(
                            step_key=enrolment.step_key(step, day),
                            enrolment=enrolment,
                            step=step,
                            patient=patient,
                            contact=contact,
                            channel=contact.channel,
                            language=patient.preferred_language,
                            article_id=article_id,
                            state=DeliveryState.SKIPPED if state_reason else DeliveryState.PENDING,
                            reason=state_reason,
                            next_attempt_at=send_at,
                        )
                    )
        if rows:
            keys = {row.step_key for row in rows}
            before = Delivery.objects.filter(step_key__in=keys, patient=patient).count()
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
            added += Delivery.objects.filter(step_key__in=keys, patient=patient).count() - before
    return added


def _followup_article(step: FollowUpStep, patient) -> Article | None:
    if step.article_id and approved_revision_id(step.article) is not None:
        return article_for_language(step.article.specific, patient.preferred_language)
    if step.article_tag:
        return newest_article_tagged(step.article_tag, patient.preferred_language, patient.doctor_id)
    return None


def read_count_for(audience_key: str) -> int:
    """Reads of the links sent to ``audience_key`` (the sharing app counts them)."""
    return analytics.read_count_for(audience_key)


def campaign_statistics(campaign: Campaign) -> dict[str, int]:
    """Per-campaign figures for the admin and the ``send_campaign`` command."""
    counts = dict(
        Delivery.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    unsubscribed = Delivery.objects.filter(
        campaign=campaign, state=DeliveryState.SKIPPED, reason="unsubscribed"
    ).count()
    return {
        "total": sum(counts.values()),
        "pending": counts.get(DeliveryState.PENDING, 0) + counts.get(DeliveryState.SENDING, 0),
        "sent": counts.get(DeliveryState.SENT, 0)
        + counts.get(DeliveryState.DELIVERED, 0)
        + counts.get(DeliveryState.UNDELIVERED, 0),
        "delivered": counts.get(DeliveryState.DELIVERED, 0),
        "undelivered": counts.get(DeliveryState.UNDELIVERED, 0),  # accepted, then reported as not received
        "failed": counts.get(DeliveryState.RETRYING, 0) + counts.get(DeliveryState.DEAD, 0),
        "dead": counts.get(DeliveryState.DEAD, 0),
        "skipped": counts.get(DeliveryState.SKIPPED, 0),
        "unsubscribed": unsubscribed,
        "read": read_count_for(campaign.audience_key),
    }


def last_progress_at(campaign_id: int) -> datetime | None:
    """When a row of the campaign last changed (claimed, sent, failed), or when it started."""
    latest = Delivery.objects.filter(campaign_id=campaign_id).aggregate(at=Max("updated_at"))["at"]
    started = Campaign.objects.filter(pk=campaign_id).values_list("started_at", flat=True).first()
    return max((moment for moment in (latest, started) if moment is not None), default=None)


def stalled_campaign_ids(*, now: datetime | None = None, campaign_ids: list[int] | None = None) -> list[int]:
    """Sending campaigns with work due now whose rows have not moved for ``stalled_after_s``.

    Work due now: a row pending or retrying whose time has come, or a row
    claimed (``sending``). Rows waiting for quiet hours or a backoff are not a stall.
    """
    now = now or timezone.now()
    quiet_since = now - timedelta(seconds=distribution_settings().stalled_after_s)
    campaigns = Campaign.objects.filter(state=Campaign.SENDING)
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=campaign_ids)
    due = Q(state=DeliveryState.SENDING) | Q(
        state__in=(DeliveryState.PENDING, DeliveryState.RETRYING), next_attempt_at__lte=now
    )
    stalled = []
    for campaign_id in campaigns.values_list("pk", flat=True):
        if not Delivery.objects.filter(due, campaign_id=campaign_id).exists():
            continue
        moved = last_progress_at(campaign_id)
        if moved is None or moved < quiet_since:
            stalled.append(campaign_id)
    return stalled


def resume_stalled_campaigns(queue_fanout, *, now: datetime | None = None) -> list[int]:
    """Hand every stalled campaign to ``queue_fanout(campaign_id)`` again; returns their ids.

    The fan-out claims rows by the ledger's rules (a row still claimed by a
    worker that may be alive waits for its lease), so resuming a campaign
    that was only slow sends nothing twice.
    """
    stalled = stalled_campaign_ids(now=now)
    for campaign_id in stalled:
        logger.warning(
            "campaign %s made no progress for %.0f s; queuing its fan-out again",
            campaign_id,
            distribution_settings().stalled_after_s,
        )
        queue_fanout(campaign_id)
    return stalled
