"""Partner push: every article change becomes one signed webhook per interested partner.

Each (partner, event) is its own ``PartnerDelivery`` row and its own task, so a
partner that is down only delays itself. The rows are a ledger of the delivery
engine (``distribution.delivery``): claimed, leased and recorded by its protocol
and retried with backoff by its one policy (``send_due_partner_deliveries``
picks up rows whose time has come). The payload is frozen when the event
happens, so every retry is byte for byte the same event under the same
idempotency key. Recording an event queues nothing: the caller queues
``feeds.tasks.deliver_partner_event`` for each row it gets back, after commit.

Events: ``publish`` (first time this partner gets the article), ``update``
(the partner already has it) and ``retract`` (unpublished, deleted, or no longer
matching the partner's filters). A newer event supersedes older ones still
waiting for the same partner and article; ``occurred_at`` in the payload lets
receivers discard an event that arrives after a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from distribution.channels.errors import ChannelError, RetryableChannelError
from distribution.channels.messages import OutgoingMessage
from distribution.channels.webhook import WebhookChannel, WebhookConfig
from distribution.delivery import ledger
from distribution.delivery.policy import retry_policy
from distribution.delivery.states import OPEN_STATES, RETRYABLE_STATES, DeliveryState

from .entries import article_entry, entry_id, page_public_url, public_url
from .models import Partner, PartnerDelivery, PartnerEvent

logger = logging.getLogger(__name__)

EVENT_TYPE_PREFIX = "kepu.article."


# --- events ----------------------------------------------------------------------------------


def _article_payload(article: Any, event: str, revision_id: int | None, occurred_at: datetime) -> dict[str, Any]:
    """The document a partner receives (``OutgoingMessage`` fields plus ``extra``)."""
    url = page_public_url(article) or public_url("/")
    extra: dict[str, Any] = {
        "event": event,
        "event_type": EVENT_TYPE_PREFIX + event,
        "occurred_at": occurred_at.isoformat(),
        "article_id": article.pk,
        "entry_id": entry_id("article", article.pk),
        "revision_id": revision_id,
    }
    summary = ""
    if event != PartnerEvent.RETRACT:
        entry = article_entry(article)
        if entry is None:
            raise ValueError(f"article {article.pk} has no public URL; it cannot be pushed to partners")
        url, summary = entry.url, entry.summary
        doctor = article.doctor
        extra.update(
            content_html=entry.content_html,
            tags=list(entry.tags),
            published_at=entry.published.isoformat(),
            updated_at=entry.updated.isoformat(),
            doctor={
                "name": doctor.name,
                "title": doctor.title,
                "hospital": doctor.hospital,
                "url": entry.authors[0].url,
            }
            if doctor
            else None,
            media=[{"url": e.url, "mime_type": e.mime_type, "size_in_bytes": e.length} for e in entry.enclosures],
        )
    return {
        "title": article.title,
        "url": url,
        "language": article.locale.language_code,
        "summary": summary,
        "extra": extra,
    }


def _received_since_last_retract(partner: Partner, article_key: int, *, count_attempts: bool) -> bool:
    """Whether a publish/update reached the partner after its last delivered retract.

    With ``count_attempts`` an attempt that failed also counts: a timed-out request
    may have arrived, and an unneeded retract is harmless where a missing one is not.
    """
    reached = Q(state=DeliveryState.DELIVERED) | (Q(attempts__gt=0) if count_attempts else Q(pk__in=[]))
    deliveries = PartnerDelivery.objects.filter(partner=partner, article_key=article_key)
    last_retract = deliveries.filter(event=PartnerEvent.RETRACT, state=DeliveryState.DELIVERED).order_by("-pk").first()
    since = deliveries.filter(reached).exclude(event=PartnerEvent.RETRACT)
    if last_retract is not None:
        since = since.filter(pk__gt=last_retract.pk)
    return since.exists()


def _idempotency_key(partner: Partner, article_key: int, revision_id: int | None, event: str) -> str:
    """``kepu-p<partner>-a<article>-r<revision>-<event>``; a repeat of the same event (republished revision)
    gets ``.2``, ``.3``…"""
    base = f"kepu-p{partner.pk}-a{article_key}-r{revision_id or 0}-{event}"
    repeats = PartnerDelivery.objects.filter(
        Q(idempotency_key=base) | Q(idempotency_key__startswith=base + ".")
    ).count()
    return base if repeats == 0 else f"{base}.{repeats + 1}"


def _create_delivery(
    partner: Partner,
    article: Any,
    event: str,
    revision_id: int | None,
    now: datetime,
    *,
    deleting: bool = False,
) -> PartnerDelivery | None:
    """A new delivery, superseding what still waits for the same partner and article (None: already queued)."""
    newest = PartnerDelivery.objects.filter(partner=partner, article_key=article.pk).order_by("-pk").first()
    if newest and newest.state in OPEN_STATES and (newest.event, newest.revision_id) == (event, revision_id):
        return None  # the same event twice: Wagtail unpublishes a live page it deletes, then deletes it
    PartnerDelivery.objects.open().filter(partner=partner, article_key=article.pk).exclude(
        state=DeliveryState.SENDING
    ).update(state=DeliveryState.SUPERSEDED, next_attempt_at=None)
    return PartnerDelivery.objects.create(
        partner=partner,
        article=None if deleting else article,  # a row being deleted cannot be referenced any more
        article_key=article.pk,
        event=event,
        revision_id=revision_id,
        idempotency_key=_idempotency_key(partner, article.pk, revision_id, event),
        payload=_article_payload(article, event, revision_id, now),
        next_attempt_at=now,
    )


def record_article_published(article: Any, revision_id: int | None) -> list[PartnerDelivery]:
    """Queue publish/update events for matching partners and retracts for those the article no longer matches."""
    now = timezone.now()
    language = article.locale.language_code
    tags = list(article.tags.names())
    created = []
    for partner in Partner.objects.filter(active=True):
        if partner.wants(language, tags):
            received = _received_since_last_retract(partner, article.pk, count_attempts=False)
            event = PartnerEvent.UPDATE if received else PartnerEvent.PUBLISH
        elif _received_since_last_retract(partner, article.pk, count_attempts=True):
            event = PartnerEvent.RETRACT
        else:
            continue
        created.append(_create_delivery(partner, article, event, revision_id, now))
    return [delivery for delivery in created if delivery is not None]


def record_article_withdrawn(article: Any, *, deleting: bool = False) -> list[PartnerDelivery]:
    """Queue a retract for every partner that may have the article (unpublished, or ``deleting``)."""
    now = timezone.now()
    created = []
    for partner in Partner.objects.filter(active=True):
        if _received_since_last_retract(partner, article.pk, count_attempts=True):
            created.append(
                _create_delivery(
                    partner, article, PartnerEvent.RETRACT, article.latest_revision_id, now, deleting=deleting
                )
            )
        else:  # never reached them: just drop what is still waiting
            PartnerDelivery.objects.open().filter(partner=partner, article_key=article.pk).exclude(
                state=DeliveryState.SENDING
            ).update(state=DeliveryState.SUPERSEDED, next_attempt_at=None)
    return [delivery for delivery in created if delivery is not None]


# --- sending ---------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> str:
    """Take the row for one attempt; its claim token, or '' when it is done, superseded or another worker holds it.

    The sending lease is written into ``next_attempt_at`` too, so ``due_delivery_ids`` finds the row
    again if this worker dies before recording the outcome.
    """
    lease = timedelta(seconds=retry_policy().lease_s)
    token, taken = ledger.claim(
        PartnerDelivery,
        ledger.queued(now - lease),
        scope=Q(pk=delivery_id),
        limit=1,
        now=now,
        stamp={"last_attempt_at": now, "next_attempt_at": now + lease},
    )
    return token if taken else ""


def _message(delivery: PartnerDelivery) -> OutgoingMessage:
    payload = delivery.payload
    return OutgoingMessage(
        idempotency_key=delivery.idempotency_key,
        address=delivery.partner.endpoint_url,
        title=payload["title"],
        url=payload["url"],
        language=payload["language"],
        summary=payload.get("summary", ""),
        extra=payload["extra"],
    )


def send_delivery(
    delivery_id: int,
    *,
    now: Callable[[], datetime] = timezone.now,
    channel_factory: Callable[[Partner], WebhookChannel] | None = None,
) -> PartnerDelivery | None:
    """Make one attempt at a delivery and record the outcome; None when there was nothing to do."""
    started = now()
    token = _claim(delivery_id, started)
    if not token:
        return None
    delivery = PartnerDelivery.objects.select_related("partner").get(pk=delivery_id)
    partner = delivery.partner
    update: dict[str, Any] = {}
    if not partner.active:
        update = {"state": DeliveryState.DEAD, "last_error": "partner is inactive", "next_attempt_at": None}
    else:
        try:
            channel = (channel_factory or _webhook_channel)(partner)
            with channel:
                result = channel.send(_message(delivery))
        except RetryableChannelError as exc:
            update = {"last_error": str(exc)[:500], "last_status": exc.provider_code or ""}
            wait = retry_policy().retry_delay_s(delivery.attempts, exc.retry_after)
            if wait is None:  # given up
                update.update(state=DeliveryState.DEAD, next_attempt_at=None)
            else:
                update.update(state=DeliveryState.RETRYING, next_attempt_at=started + timedelta(seconds=wait))
        except (ChannelError, ValueError) as exc:  # permanent: bad endpoint, rejected secret, 4xx
            update = {
                "state": DeliveryState.DEAD,
                "last_error": str(exc)[:500],
                "next_attempt_at": None,
                "last_status": getattr(exc, "provider_code", "") or "",
            }
        else:
            update = {
                "state": DeliveryState.DELIVERED,
                "delivered_at": now(),
                "last_error": "",
                "last_status": result.detail[:10],
                "next_attempt_at": None,
            }
    # Only the attempt that holds the row records its outcome (an admin may have superseded it meanwhile,
    # or the lease ended and another worker took it).
    if not ledger.guarded(PartnerDelivery, delivery_id, token).update(**update):
        logger.warning(
            "partner delivery %s was taken from this attempt; outcome %s not recorded",
            delivery.idempotency_key,
            update.get("state"),
        )
    delivery.refresh_from_db()
    log = logger.info if delivery.state == DeliveryState.DELIVERED else logger.warning
    log(
        "partner delivery %s to %s: %s (attempt %d) %s",
        delivery.idempotency_key,
        partner.name,
        delivery.state,
        delivery.attempts,
        delivery.last_error,
    )
    return delivery


def _webhook_channel(partner: Partner) -> WebhookChannel:
    return WebhookChannel(WebhookConfig(secret=partner.secret, allow_plain_http=partner.allow_plain_http))


def due_delivery_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open deliveries whose next attempt has come; each is leased so the next sweep does not queue it twice."""
    now = now or timezone.now()
    ids = list(PartnerDelivery.objects.due(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    PartnerDelivery.objects.filter(pk__in=ids).exclude(state=DeliveryState.SENDING).update(
        next_attempt_at=now + timedelta(seconds=retry_policy().lease_s)
    )
    return ids


def retry_now(deliveries: Any) -> list[int]:
    """Put failed or waiting deliveries back for an immediate attempt (the admin's retry action); returns their ids.

    The caller queues ``feeds.tasks.deliver_partner_event`` for each. Attempts keep counting: the
    ledger shows every attempt a partner was sent.
    """
    retryable = deliveries.filter(state__in=[*RETRYABLE_STATES, DeliveryState.PENDING])
    ids = list(retryable.values_list("pk", flat=True))
    ledger.reset_for_retry(
        PartnerDelivery.objects.filter(pk__in=ids),
        now=timezone.now(),
        states=[*RETRYABLE_STATES, DeliveryState.PENDING],
    )
    return ids
