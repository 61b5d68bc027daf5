"""Beacon counts in Redis, flushed to the database in batches: no write on a read, nothing lost, nothing twice.

Against the local Redis server (a cache of its own key prefix), through the beacon endpoint, the
Celery task and the management command.
"""

from __future__ import annotations

import io
import json
import secrets
import uuid

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from distribution.sharing import analytics
from distribution.sharing.models import FlushedReadBatch, ReadStat, share_link_for
from distribution.sharing.tasks import flush_read_counts

pytestmark = pytest.mark.django_db
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_cache():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    prefix = f"kepu-test-{uuid.uuid4().hex[:10]}"
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
    ):
        yield caches["default"]._cache.get_client(write=True), prefix
        client = caches["default"]._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def send(client: Client, link, event: str):
    payload = json.dumps({"event": event, "nonce": secrets.token_urlsafe(16)})
    return client.post(f"/s/{link.token}/events/", payload, content_type="text/plain")


def counters(link) -> dict[str, int]:
    stat = ReadStat.objects.filter(link=link).first()
    return {name: getattr(stat, name) for name in analytics.COUNTER_FIELDS if getattr(stat, name)} if stat else {}


def test_a_read_writes_nothing_to_the_database_and_the_flush_adds_every_count(site, redis_cache):
    client = Client()
    link = share_link_for(site.article_zh)
    with CaptureQueriesContext(connection) as captured:
        for event in ("view", "view", "view", "read_end", "audio_play"):
            assert send(client, link, event).status_code == 204
    writes = [query["sql"] for query in captured if not query["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == [] and ReadStat.objects.count() == 0, writes

    out = io.StringIO()
    call_command("flush_read_counts", stdout=out)
    assert "5 events" in out.getvalue()
    assert counters(link) == {"views": 3, "reads_to_end": 1, "audio_plays": 1}

    # More reads, of two links, flushed by the Celery task (as beat runs it): added to the same rows.
    other = share_link_for(site.article_en)
    for event in ("view", "read_end"):
        assert send(client, link, event).status_code == 204
        assert send(client, other, event).status_code == 204
    assert flush_read_counts.delay().get() == 4
    assert counters(link) == {"views": 4, "reads_to_end": 2, "audio_plays": 1}
    assert counters(other) == {"views": 1, "reads_to_end": 1}
    assert analytics.read_count_for("") == 5  # both are public links (no audience)
    assert flush_read_counts.delay().get() == 0  # nothing pending: nothing added again


def test_a_failed_flush_loses_nothing_and_a_repeated_one_adds_nothing_twice(site, redis_cache, monkeypatch):
    client, prefix = redis_cache
    browser = Client()
    link = share_link_for(site.article_zh)
    for event in ("view", "view", "video_play"):
        assert send(browser, link, event).status_code == 204

    # The database refuses the batch: rolled back, the counts wait in Redis for the next flush.
    real_add_counts = analytics.add_counts

    def database_down(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(analytics, "add_counts", database_down)
    with pytest.raises(DatabaseError):
        analytics.flush_pending_counts()
    assert ReadStat.objects.count() == 0 and FlushedReadBatch.objects.count() == 0
    assert send(browser, link, "view").status_code == 204  # reads go on meanwhile, into a new hash
    monkeypatch.setattr(analytics, "add_counts", real_add_counts)
    assert analytics.flush_pending_counts() == 4
    assert counters(link) == {"views": 3, "video_plays": 1}

    # The commit went through but cleaning up Redis failed: the next flush recognises the batch.
    assert send(browser, link, "view").status_code == 204
    import redis

    real_delete = type(client).delete
    monkeypatch.setattr(
        type(client), "delete", lambda self, *names: (_ for _ in ()).throw(redis.ConnectionError("gone"))
    )
    with pytest.raises(redis.ConnectionError):
        analytics.flush_pending_counts()
    assert counters(link) == {"views": 4, "video_plays": 1}
    monkeypatch.setattr(type(client), "delete", real_delete)
    assert analytics.flush_pending_counts() == 0
    assert counters(link) == {"views": 4, "video_plays": 1}
    assert list(client.scan_iter(match=f"{prefix}:*pending-read*")) == []  # every batch cleaned up


def test_without_redis_each_read_is_counted_at_once(site):
    """The embedded set-up (files or memory as the cache): straight to the database, the flush has nothing to do."""
    link = share_link_for(site.article_zh)
    assert send(Client(), link, "view").status_code == 204
    assert counters(link) == {"views": 1}
    assert analytics.flush_pending_counts() == 0
