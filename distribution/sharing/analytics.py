"""Read analytics without cookies or personal data.

The reading page reports a few events with ``navigator.sendBeacon`` (view,
read to the end, audio play / completion, video play). Each accepted event
adds one to a daily per-link counter; nothing about the reader is stored.

What keeps the figures honest without identifying anyone:

* ``DNT: 1`` and ``Sec-GPC: 1`` are honoured: such a request counts nothing;
* each page load has a random one-time ``nonce`` (never stored in the
  database); a repeated (nonce, event) within :data:`NONCE_TTL` is ignored, so
  replaying a beacon does not inflate the count;
* at most :data:`EVENTS_PER_MINUTE` events per link per minute are counted
  (a flood of forged nonces stops there).

With Redis as the cache (production), a counted event costs no database write: it adds one
to a field of a Redis hash (``HINCRBY``, atomic across workers), and ``flush_pending_counts``
(Celery beat every :data:`FLUSH_SECONDS`, or ``manage.py flush_read_counts``) moves the
counts into :class:`ReadStat` in batches, exactly once (see there). The figures in the admin
trail the reads by up to a flush interval. Without Redis (the embedded set-up, tests) each
event is written to the database at once, as is a counted event whenever Redis refuses it.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum

from django.conf import settings
from django.core.cache import cache, caches
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from .models import EVENT_COLUMNS, FlushedReadBatch, ReadEvent, ReadStat, ShareLink

MAX_BODY_BYTES = 512
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,40}")
NONCE_TTL = 6 * 3600
EVENTS_PER_MINUTE = int(getattr(settings, "KEPU_SHARE_EVENTS_PER_MINUTE", 600))
COUNTER_FIELDS = tuple(EVENT_COLUMNS.values())
#: how often beat moves the counts gathered in Redis into the database
FLUSH_SECONDS = 10.0
PENDING_KEY = "sharing:pending-reads"  # hash: "<link id>:<day>:<column>" -> count
BATCHES_KEY = "sharing:pending-read-batches"  # set of batch hashes taken for a flush and not yet cleaned up
KEEP_FLUSHED_DAYS = 7


class Outcome(Enum):
    """What happened to one reported event; the view turns it into a status code."""

    COUNTED = "counted"
    NOT_TRACKED = "not tracked"  # DNT / GPC: accepted, deliberately not counted
    DUPLICATE = "duplicate"
    RATE_LIMITED = "rate limited"


class BadEvent(ValueError):
    """The payload is not an event this page could have sent."""


@dataclass(frozen=True)
class ReportedEvent:
    event: ReadEvent
    nonce: str


def refuses_tracking(request: HttpRequest) -> bool:
    """Do Not Track or Global Privacy Control is on."""
    return request.headers.get("DNT", "").strip() == "1" or request.headers.get("Sec-GPC", "").strip() == "1"


def from_this_site(request: HttpRequest) -> bool:
    """Whether the beacon was sent by one of our own pages.

    Browsers name the page's origin on every POST (``Origin``) and say whether it
    is cross-site (``Sec-Fetch-Site``); a page elsewhere cannot fake either from a
    visitor's browser, so inflating a link's counts from another site is refused.
    A request with neither header (old browsers) is accepted; the per-link cap
    still bounds it.
    """
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {_origin_of(settings.KEPU_PUBLIC_BASE_URL), f"{request.scheme}://{request.get_host()}"}
    return origin.rstrip("/").lower() in allowed


def _origin_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_event(body: bytes) -> ReportedEvent:
    if len(body) > MAX_BODY_BYTES:
        raise BadEvent("body too large")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadEvent("body is not JSON") from error
    if not isinstance(payload, dict) or set(payload) != {"event", "nonce"}:
        raise BadEvent("expected exactly the fields 'event' and 'nonce'")
    event, nonce = payload["event"], payload["nonce"]
    if not isinstance(event, str) or event not in ReadEvent.values:
        raise BadEvent("unknown event")
    if not isinstance(nonce, str) or not NONCE_PATTERN.fullmatch(nonce):
        raise BadEvent("bad nonce")
    return ReportedEvent(ReadEvent(event), nonce)


def _within_rate(token: str) -> bool:
    key = f"sharing:rate:{token}:{int(time.time() // 60)}"
    cache.add(key, 0, 120)
    try:
        return cache.incr(key) <= EVENTS_PER_MINUTE
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, 120)
        return True


def _first_time(token: str, reported: ReportedEvent) -> bool:
    return cache.add(f"sharing:seen:{token}:{reported.nonce}:{reported.event.value}", 1, NONCE_TTL)


def increment(link: ShareLink, event: ReadEvent, day: datetime.date | None = None) -> None:
    """Add one to the link's counter for ``event`` on ``day`` (today in the studio's time zone), in the database."""
    add_counts(link, day or timezone.localdate(), {EVENT_COLUMNS[event]: 1})


def add_counts(link: ShareLink, day: datetime.date, counts: dict[str, int]) -> None:
    """Add ``counts`` (column -> number) to the link's row for ``day``, making the row if it is the first."""
    rows = ReadStat.objects.filter(link=link, day=day)
    added = {column: F(column) + number for column, number in counts.items()}
    if rows.update(**added):
        return
    try:
        with transaction.atomic():
            ReadStat.objects.create(
                link=link, article_id=link.article_id, audience_key=link.audience_key, day=day, **counts
            )
    except IntegrityError:  # a concurrent first event of the day made the row
        rows.update(**added)


def _redis():
    """The configured cache's Redis client, or None when the cache is not Redis."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


def _key(name: str) -> str:
    return caches["default"].make_key(name)  # the cache's prefix and version, as its own keys have


def count(link: ShareLink, event: ReadEvent, day: datetime.date | None = None) -> None:
    """Count one event: in Redis when the cache is Redis (flushed in batches), else in the database."""
    day = day or timezone.localdate()
    client = _redis()
    if client is not None:
        import redis

        try:
            client.hincrby(_key(PENDING_KEY), f"{link.pk}:{day.isoformat()}:{EVENT_COLUMNS[event]}", 1)
            return
        except redis.RedisError:
            pass  # counted in the database instead: slower, not lost
    increment(link, event, day)


def flush_pending_counts() -> int:
    """Move the counts gathered in Redis into :class:`ReadStat`; returns how many events were added.

    Exactly once, whatever fails: the pending hash is renamed to a batch of its own and listed
    in one MULTI (new beacons start a new hash meanwhile); each listed batch's counts and its name
    (:class:`FlushedReadBatch`) are written in one database transaction; the batch leaves Redis
    only after that commit. A failed transaction leaves the batch for the next flush; a batch
    whose name the database already holds (committed, then Redis failed) is only cleaned up.
    """
    client = _redis()
    if client is None:
        return 0
    pending, batches = _key(PENDING_KEY), _key(BATCHES_KEY)
    if client.exists(pending):
        batch = f"{pending}:batch:{uuid.uuid4().hex}"
        with client.pipeline(transaction=True) as pipeline:
            pipeline.rename(pending, batch)
            pipeline.sadd(batches, batch)
            pipeline.execute(raise_on_error=False)  # another flush took it first: an empty batch, harmless
    added = 0
    for name in sorted(member.decode() for member in client.smembers(batches)):
        counts = {field.decode(): int(number) for field, number in client.hgetall(name).items()}
        added += _add_batch(name, counts)
        client.delete(name)
        client.srem(batches, name)
    FlushedReadBatch.objects.filter(flushed_at__lt=timezone.now() - datetime.timedelta(days=KEEP_FLUSHED_DAYS)).delete()
    return added


def _add_batch(name: str, counts: dict[str, int]) -> int:
    by_row: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(dict)
    for key, number in counts.items():
        link_id, day, column = key.split(":")
        if column in COUNTER_FIELDS:
            by_row[(int(link_id), datetime.date.fromisoformat(day))][column] = number
    with transaction.atomic():
        _batch, new = FlushedReadBatch.objects.get_or_create(name=name)
        if not new:
            return 0  # added by an earlier flush whose clean-up failed
        links = ShareLink.objects.only("pk", "article_id", "audience_key").in_bulk({link for link, _day in by_row})
        for (link_id, day), columns in sorted(by_row.items()):
            if link_id in links:  # a deleted link's counts went with it
                add_counts(links[link_id], day, columns)
    return sum(sum(columns.values()) for (link_id, _day), columns in by_row.items() if link_id in links)


def record(request: HttpRequest, link: ShareLink, reported: ReportedEvent) -> Outcome:
    if refuses_tracking(request):
        return Outcome.NOT_TRACKED
    if not _within_rate(link.token):
        return Outcome.RATE_LIMITED
    if not _first_time(link.token, reported):
        return Outcome.DUPLICATE
    count(link, reported.event)
    return Outcome.COUNTED


def read_count_for(audience_key: str) -> int:
    """How many times the links made for ``audience_key`` (e.g. 'campaign:12') were opened."""
    total = ReadStat.objects.filter(audience_key=audience_key).aggregate(n=Sum("views"))["n"]
    return int(total or 0)


@dataclass
class DayTotals:
    day: datetime.date
    views: int = 0
    reads_to_end: int = 0
    audio_plays: int = 0
    audio_completions: int = 0
    video_plays: int = 0

    @property
    def completion_rate(self) -> float | None:
        """Share of views read to the end; None on a day without views."""
        return min(1.0, self.reads_to_end / self.views) if self.views else None


@dataclass
class ArticleTotals:
    article_id: int
    title: str
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        views = self.totals.get("views", 0)
        return min(1.0, self.totals.get("reads_to_end", 0) / views) if views else None


def daily_totals(stats: QuerySet, days: int, today: datetime.date | None = None) -> list[DayTotals]:
    """One entry per day of the last ``days`` days (zeros included, oldest first)."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    rows = (
        stats.filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(**{name: Sum(name) for name in COUNTER_FIELDS})
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        row = by_day.get(day, {})
        series.append(DayTotals(day, **{name: int(row.get(name) or 0) for name in COUNTER_FIELDS}))
    return series


def article_totals(stats: QuerySet, since: datetime.date, limit: int = 10) -> list[ArticleTotals]:
    rows = (
        stats.filter(day__gte=since)
        .values("article_id", "article__title")
        .annotate(**{name: Sum(name) for name in COUNTER_FIELDS})
        .order_by("-views", "article__title")[:limit]
    )
    return [
        ArticleTotals(row["article_id"], row["article__title"], {name: int(row[name] or 0) for name in COUNTER_FIELDS})
        for row in rows
    ]
