"""Read counts through the beacon endpoint: counted, aggregated, private, and hard to forge or flood."""

from __future__ import annotations

import datetime
import json
import secrets

import pytest
from django.test import Client

from distribution.campaigns.fanout import read_count_for as campaign_read_count_for
from distribution.sharing import analytics
from distribution.sharing.analytics import read_count_for
from distribution.sharing.models import ReadEvent, ReadStat, create_share_link, share_link_for

pytestmark = pytest.mark.django_db


def send(client: Client, link, event: str, nonce: str | None = None, **headers):
    payload = json.dumps({"event": event, "nonce": nonce or secrets.token_urlsafe(16)})
    return client.post(f"/s/{link.token}/events/", payload, content_type="text/plain", **headers)


def counters(link) -> dict[str, int]:
    stat = ReadStat.objects.filter(link=link).first()
    return {name: getattr(stat, name) for name in analytics.COUNTER_FIELDS} if stat else {}


def test_events_are_counted_per_link_and_day(site):
    client = Client(enforce_csrf_checks=True)  # as a browser's beacon: no CSRF cookie, no token
    link = share_link_for(site.article_zh)
    for event in ("view", "view", "read_end", "audio_play", "audio_complete", "video_play"):
        response = send(client, link, event)
        assert response.status_code == 204 and response.content == b""
    assert counters(link) == {"views": 2, "reads_to_end": 1, "audio_plays": 1, "audio_completions": 1, "video_plays": 1}
    stat = ReadStat.objects.get(link=link)
    assert stat.article_id == site.article_zh.pk and stat.audience_key == ""
    assert "Set-Cookie" not in send(client, link, "view")


def test_daily_rows_hold_no_reader_data():
    columns = {field.name for field in ReadStat._meta.get_fields()}
    assert columns == {"id", "link", "article", "audience_key", "day", *analytics.COUNTER_FIELDS}


def test_read_count_for_an_audience_adds_up_its_links(site):
    campaign_zh = create_share_link(site.article_zh, "campaign:5")
    campaign_en = create_share_link(site.article_en, "campaign:5")
    other = create_share_link(site.article_zh, "campaign:6")
    client = Client()
    for link, views in ((campaign_zh, 3), (campaign_en, 2), (other, 1)):
        for _ in range(views):
            assert send(client, link, "view").status_code == 204
    analytics.increment(campaign_zh, ReadEvent.VIEW, day=datetime.date(2025, 1, 2))  # an earlier day counts too
    assert read_count_for("campaign:5") == 6 and read_count_for("campaign:6") == 1 and read_count_for("campaign:7") == 0
    assert campaign_read_count_for("campaign:5") == 6  # what the campaign statistics show
    series = analytics.daily_totals(ReadStat.objects.filter(audience_key="campaign:5"), days=3)
    assert [day.views for day in series] == [0, 0, 5]


def test_do_not_track_and_global_privacy_control_are_honoured(client, site):
    link = share_link_for(site.article_zh)
    for headers in ({"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}, {"HTTP_DNT": "1", "HTTP_SEC_GPC": "1"}):
        assert send(client, link, "view", **headers).status_code == 204
    assert counters(link) == {}
    assert send(client, link, "view", HTTP_DNT="0").status_code == 204
    assert counters(link)["views"] == 1


def test_a_replayed_beacon_counts_once(client, site):
    link = share_link_for(site.article_zh)
    nonce = secrets.token_urlsafe(16)
    for _ in range(5):
        assert send(client, link, "view", nonce).status_code == 204
    assert send(client, link, "read_end", nonce).status_code == 204
    assert counters(link)["views"] == 1 and counters(link)["reads_to_end"] == 1


def test_flooding_a_link_is_cut_off_per_minute(client, site, monkeypatch):
    monkeypatch.setattr(analytics, "EVENTS_PER_MINUTE", 5)
    link = share_link_for(site.article_zh)
    statuses = [send(client, link, "view").status_code for _ in range(8)]
    assert statuses == [204] * 5 + [429] * 3
    assert counters(link)["views"] == 5


BAD_PAYLOADS = [
    (b'{"event": "purchase", "nonce": "abcdefghijklmnopqrstuv"}', 400),  # unknown event
    (b'{"event": "view"}', 400),  # no nonce
    (b'{"event": "view", "nonce": "short"}', 400),
    (b'{"event": "view", "nonce": "abcdefghijklmnopqrstuv", "phone": "13800138000"}', 400),  # extra data refused
    (b'["view"]', 400),
    (b"not json at all", 400),
    (b"\xff\xfe\x00", 400),
    (b'{"event": "view", "nonce": "' + b"a" * 600 + b'"}', 413),  # oversize
]


def test_bad_payloads_are_refused_without_an_error_page(client, site):
    link = share_link_for(site.article_zh)
    for body, status in BAD_PAYLOADS:
        response = client.post(f"/s/{link.token}/events/", body, content_type="application/json")
        assert (response.status_code, response.content) == (status, b""), body
    assert counters(link) == {}


def test_wrong_token_method_and_dead_links_are_refused(client, site):
    link = share_link_for(site.article_zh)
    assert client.get(f"/s/{link.token}/events/").status_code == 405
    assert send(client, type("Forged", (), {"token": "C" * 22})(), "view").status_code == 404
    assert send(client, type("Forged", (), {"token": "bad token"})(), "view").status_code == 404
    link.revoke()
    assert send(client, link, "view").status_code == 410
    assert ReadStat.objects.count() == 0


def test_declared_oversize_body_is_refused_before_reading(client, site):
    link = share_link_for(site.article_zh)
    response = client.post(f"/s/{link.token}/events/", b"{}", content_type="text/plain", CONTENT_LENGTH="100000")
    assert response.status_code == 413
