"""Partner push: signed events on publish/update/unpublish, independent retries, and the admin's retry action."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cms.articles.models import Article
from distribution.channels.webhook import verify_signature
from distribution.delivery.policy import retry_policy
from distribution.delivery.states import DeliveryState
from distribution.feeds.models import Partner, PartnerDelivery
from distribution.feeds.tasks import send_due_partner_deliveries
from distribution.sharing.models import share_link_for
from tests.admin_language import admin_ntext, admin_text
from tests.builders import WEBHOOK_SECRET, SampleSite, publish_sample_site
from tests.fakes.webhook_sink import WebhookSink

BASE = "https://kepu.example.org"
ARTICLE_URL = f"{BASE}/articles/eating-well-with-high-blood-pressure/"


@pytest.fixture
def site(db, settings) -> SampleSite:
    settings.KEPU_PUBLIC_BASE_URL = BASE
    settings.KEPU_WEBSUB_HUB = ""
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    return publish_sample_site()


def make_partner(name: str, url: str, **fields) -> Partner:
    partner = Partner(name=name, endpoint_url=url, secret=WEBHOOK_SECRET, allow_plain_http=True, **fields)
    partner.full_clean()
    partner.save()
    return partner


def republish(article: Article, capture, **changes) -> Article:
    article = Article.objects.get(pk=article.pk)
    if "tags" in changes:
        article.tags.set(changes.pop("tags"))
    for field, value in changes.items():
        setattr(article, field, value)
    with capture(execute=True):
        article.save_revision().publish()
    return Article.objects.get(pk=article.pk)


def events(sink: WebhookSink) -> list[dict]:
    assert all(hit.signature_valid for hit in sink.received)
    return [hit.json() for hit in sink.received]


def test_publish_update_and_unpublish_reach_the_partner_signed(site, webhook_sink, django_capture_on_commit_callbacks):
    make_partner("Hospital app", webhook_sink.url())
    article = republish(site.article_zh, django_capture_on_commit_callbacks)

    (hit,) = webhook_sink.received
    assert hit.signature_valid
    assert verify_signature(WEBHOOK_SECRET, hit.headers["X-Kepu-Timestamp"], hit.body, hit.headers["X-Kepu-Signature"])
    event = hit.json()
    assert event["url"] == ARTICLE_URL
    assert event["title"] == article.title and event["language"] == "zh-hans"
    assert event["extra"]["event"] == "publish"
    assert event["extra"]["revision_id"] == article.live_revision_id
    assert event["extra"]["doctor"]["name"] == "张医生"
    assert sorted(event["extra"]["tags"]) == ["饮食", "高血压"]
    assert "为什么要少吃盐" in event["extra"]["content_html"]
    key = f"kepu-p{Partner.objects.get().pk}-a{article.pk}-r{article.live_revision_id}-publish"
    assert hit.headers["X-Kepu-Idempotency-Key"] == event["idempotency_key"] == key

    article = republish(article, django_capture_on_commit_callbacks, title="高血压患者的饮食（修订）")
    update = events(webhook_sink)[-1]
    assert update["extra"]["event"] == "update" and update["title"] == "高血压患者的饮食（修订）"

    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    retract = events(webhook_sink)[-1]
    assert retract["extra"]["event"] == "retract"
    assert retract["extra"]["article_id"] == article.pk and retract["url"] == ARTICLE_URL
    assert "content_html" not in retract["extra"]
    assert list(PartnerDelivery.objects.order_by("pk").values_list("event", "state")) == [
        ("publish", "delivered"),
        ("update", "delivered"),
        ("retract", "delivered"),
    ]


def test_deleting_a_live_article_retracts_it(site, webhook_sink, django_capture_on_commit_callbacks):
    make_partner("Portal", webhook_sink.url())
    article = republish(site.article_zh, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.get(pk=article.pk).delete()
    assert [event["extra"]["event"] for event in events(webhook_sink)] == ["publish", "retract"]
    retract = PartnerDelivery.objects.get(event="retract")
    assert retract.article is None and retract.article_key == article.pk


def test_partner_filters_choose_articles_and_a_lost_tag_retracts(site, django_capture_on_commit_callbacks):
    with WebhookSink(WEBHOOK_SECRET) as english, WebhookSink(WEBHOOK_SECRET) as diet:
        make_partner("English portal", english.url(), languages="en")
        make_partner("Diet app", diet.url(), tags="饮食, nutrition")
        article = republish(site.article_zh, django_capture_on_commit_callbacks)
        assert english.received == []
        assert [e["extra"]["event"] for e in events(diet)] == ["publish"]

        republish(article, django_capture_on_commit_callbacks, tags=["高血压"])
        assert [e["extra"]["event"] for e in events(diet)] == ["publish", "retract"]

        republish(site.article_en, django_capture_on_commit_callbacks)
        assert [e["title"] for e in events(english)] == [site.article_en.title]


def test_partner_pushes_link_the_public_page_never_a_share_link(site, webhook_sink, django_capture_on_commit_callbacks):
    make_partner("Portal", webhook_sink.url())
    link = share_link_for(site.article_zh, "campaign:3")
    republish(site.article_zh, django_capture_on_commit_callbacks, summary=f"扫码阅读 {link.public_url}")
    body = webhook_sink.received[0].body.decode()
    assert link.token not in body and ARTICLE_URL in body


def test_a_partner_that_is_down_is_retried_without_holding_up_the_others(
    site,
    webhook_sink,
    closed_port,
    django_capture_on_commit_callbacks,
    admin_client,
):
    down = make_partner("Down hospital", f"http://127.0.0.1:{closed_port}/hook")
    make_partner("Up hospital", webhook_sink.url())
    article = republish(site.article_zh, django_capture_on_commit_callbacks)

    assert [e["extra"]["event"] for e in events(webhook_sink)] == ["publish"]
    failing = PartnerDelivery.objects.get(partner=down)
    assert failing.state == DeliveryState.RETRYING and failing.attempts == 1
    assert "connection refused" in failing.last_error
    assert failing.next_attempt_at - failing.last_attempt_at == timedelta(seconds=retry_policy().backoff_s(1))
    assert PartnerDelivery.objects.exclude(partner=down).get().state == DeliveryState.DELIVERED

    # Nothing is due yet: the sweep leaves it alone.
    send_due_partner_deliveries.delay()
    assert PartnerDelivery.objects.get(pk=failing.pk).attempts == 1

    # The backoff elapses; the sweep tries again and doubles the wait.
    PartnerDelivery.objects.filter(pk=failing.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    send_due_partner_deliveries.delay()
    failing.refresh_from_db()
    assert failing.state == DeliveryState.RETRYING and failing.attempts == 2
    assert (
        failing.next_attempt_at - failing.last_attempt_at
        == timedelta(seconds=retry_policy().backoff_s(2))
        == timedelta(seconds=60)
    )
    assert len(webhook_sink.received) == 1  # the healthy partner got its event exactly once

    # The admin list shows the failure.
    listing = admin_client.get("/admin/partner_deliveries/?state=retrying")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert re.findall(r'class="field-partner[^"]*">\s*([^<]+?)\s*</td>', page) == ["Down hospital"]
    assert re.findall(r'data-retry-delivery="(\d+)"', page) == [str(failing.pk)]
    assert "connection refused" in page and admin_text("Failed, will retry") in page

    # The hospital comes back on the same port; the admin's retry action re-sends the same event.
    with WebhookSink(WEBHOOK_SECRET, port=closed_port) as recovered, django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/partner_deliveries/retry/", {"id": [failing.pk]}, follow=True)
    assert response.status_code == 200
    assert admin_ntext("%(n)d delivery queued for retry.", "%(n)d deliveries queued for retry.", 1, n=1) in (
        response.content.decode()
    )
    (event,) = events(recovered)
    assert event["idempotency_key"] == failing.idempotency_key
    assert event["extra"]["revision_id"] == article.live_revision_id
    failing.refresh_from_db()
    assert failing.state == DeliveryState.DELIVERED and failing.attempts == 3 and failing.last_error == ""


def test_retries_stop_after_the_limit_and_a_rejected_secret_is_not_retried(
    site, settings, closed_port, django_capture_on_commit_callbacks
):
    settings.KEPU_DISTRIBUTION = {"max_attempts": 2}
    make_partner("Down", f"http://127.0.0.1:{closed_port}/hook")
    with WebhookSink("another-secret-entirely-0000") as wrong_secret:
        make_partner("Wrong secret", wrong_secret.url())
        republish(site.article_zh, django_capture_on_commit_callbacks)
        rejected = PartnerDelivery.objects.get(partner__name="Wrong secret")
        assert rejected.state == DeliveryState.DEAD and rejected.attempts == 1
        assert "signature rejected" in rejected.last_error

    PartnerDelivery.objects.filter(partner__name="Down").update(next_attempt_at=timezone.now())
    call_command("send_due_partner_deliveries", stdout=StringIO())
    down = PartnerDelivery.objects.get(partner__name="Down")
    assert down.state == DeliveryState.DEAD and down.attempts == 2 and down.next_attempt_at is None


def test_a_newer_event_supersedes_a_waiting_one(site, closed_port, django_capture_on_commit_callbacks):
    make_partner("Down", f"http://127.0.0.1:{closed_port}/hook")
    article = republish(site.article_zh, django_capture_on_commit_callbacks)
    republish(article, django_capture_on_commit_callbacks, title="改过的标题")
    states = list(PartnerDelivery.objects.order_by("pk").values_list("event", "state", "attempts"))
    # The first never arrived, so the partner still needs a "publish" (of the newer revision).
    assert states == [("publish", "superseded", 1), ("publish", "retrying", 1)]
    keys = list(PartnerDelivery.objects.order_by("pk").values_list("idempotency_key", flat=True))
    assert keys[0] != keys[1]


def test_partner_configuration_is_validated(db):
    with pytest.raises(ValidationError) as error:
        Partner(name="Bad", endpoint_url="http://partner.example.org/hook", secret="short", languages="fr").full_clean()
    assert set(error.value.message_dict) == {"endpoint_url", "secret", "languages"}


def test_only_users_allowed_to_change_deliveries_may_retry(
    site, closed_port, client, django_capture_on_commit_callbacks
):
    make_partner("Down", f"http://127.0.0.1:{closed_port}/hook")
    republish(site.article_zh, django_capture_on_commit_callbacks)
    viewer = get_user_model().objects.create_user("viewer", password="pw-viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(
        Permission.objects.get(codename="view_partnerdelivery"), Permission.objects.get(codename="access_admin")
    )
    client.force_login(viewer)
    page = client.get("/admin/partner_deliveries/").content.decode()
    assert "connection refused" in page and "/admin/partner_deliveries/retry/" not in page
    failing = PartnerDelivery.objects.get()
    refused = client.post("/admin/partner_deliveries/retry/", {"id": [failing.pk]})
    assert refused.status_code == 302 and refused.url == "/admin/"  # Wagtail's answer to a permission denied
    assert PartnerDelivery.objects.get().state == DeliveryState.RETRYING


def test_wagtail_settings_menu_leads_to_the_delivery_ledger(studio, admin_client):
    page = admin_client.get("/admin/").content.decode()
    # The sidebar's menu is JSON in the page, so its labels are \u-escaped.
    label = json.dumps(admin_text("Partner deliveries"))[1:-1]
    assert label in page and "/admin/partner_deliveries/" in page
