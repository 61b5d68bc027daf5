"""The delivery engine: one retry policy from settings, claims that hold a row once, outcomes only under the claim,
WebSub pings on the same policy, and the partner screens of the Wagtail admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from distribution.campaigns.configuration import distribution_settings
from distribution.channels.errors import RetryableChannelError
from distribution.delivery import ledger
from distribution.delivery.policy import RetryPolicy, retry_policy
from distribution.delivery.states import DeliveryState
from distribution.feeds.models import Partner, PartnerDelivery, PartnerEvent
from distribution.feeds.tasks import ping_websub_hub
from tests.builders import WEBHOOK_SECRET


def test_one_retry_policy_for_every_kind_of_delivery(settings):
    settings.KEPU_DISTRIBUTION = {}
    assert retry_policy() == RetryPolicy(max_attempts=8, backoff_base_s=30, backoff_max_s=6 * 3600, lease_s=900)
    settings.KEPU_DISTRIBUTION = {"max_attempts": 3, "backoff_base_s": 10, "backoff_max_s": 25, "sending_lease_s": 60}
    policy = retry_policy()
    assert distribution_settings().retry == policy
    assert [policy.backoff_s(n) for n in (1, 2, 3)] == [10, 20, 25]
    assert policy.retry_delay_s(1) == 10 and policy.retry_delay_s(2, retry_after=90) == 90
    assert policy.retry_delay_s(3) is None  # the third attempt was the last: given up
    assert 20 <= policy.retry_delay_s(2, spread=True) <= 25
    settings.KEPU_DISTRIBUTION = {"max_attempts": 0}
    with pytest.raises(ImproperlyConfigured, match="max_attempts"):
        retry_policy()
    settings.KEPU_DISTRIBUTION = {"max_attempt": 3}
    with pytest.raises(ImproperlyConfigured, match="unknown keys: max_attempt"):
        distribution_settings()


def _partner_delivery(**fields) -> PartnerDelivery:
    partner = Partner.objects.create(
        name="Portal", endpoint_url="https://portal.example.org/hook", secret=WEBHOOK_SECRET
    )
    return PartnerDelivery.objects.create(
        partner=partner,
        article_key=1,
        event=PartnerEvent.PUBLISH,
        idempotency_key="kepu-p1-a1-r1-publish",
        payload={"title": "t", "url": "https://kepu.example.org/", "language": "zh-hans", "extra": {}},
        next_attempt_at=timezone.now(),
        **fields,
    )


def test_a_row_is_claimed_once_until_its_lease_ends_and_only_its_claim_records_the_outcome(db):
    delivery = _partner_delivery()
    now = timezone.now()
    lease = timedelta(seconds=retry_policy().lease_s)
    first, taken = ledger.claim(PartnerDelivery, ledger.due(now, now - lease), limit=10, now=now)
    assert taken == 1
    assert ledger.claim(PartnerDelivery, ledger.due(now, now - lease), limit=10, now=now)[1] == 0  # fresh: not twice

    later = now + lease + timedelta(seconds=1)  # the first worker died; the lease ends
    second, taken = ledger.claim(PartnerDelivery, ledger.due(later, later - lease), limit=10, now=later)
    assert taken == 1 and second != first
    assert ledger.guarded(PartnerDelivery, delivery.pk, first).update(state=DeliveryState.DELIVERED) == 0
    assert ledger.guarded(PartnerDelivery, delivery.pk, second).update(state=DeliveryState.DELIVERED) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 2


def test_a_retry_puts_only_failed_rows_back_under_their_key(db):
    delivery = _partner_delivery(state=DeliveryState.DEAD, attempts=8, claim_token="old")
    assert ledger.reset_for_retry(PartnerDelivery.objects.all(), now=timezone.now()) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.claim_token, delivery.idempotency_key) == (
        DeliveryState.PENDING,
        "",
        "kepu-p1-a1-r1-publish",
    )
    PartnerDelivery.objects.update(state=DeliveryState.SUPERSEDED)
    assert ledger.reset_for_retry(PartnerDelivery.objects.all(), now=timezone.now()) == 0
    assert (
        ledger.claim(
            PartnerDelivery, ledger.queued(timezone.now()), scope=Q(pk=delivery.pk), limit=1, now=timezone.now()
        )[1]
        == 0
    )  # superseded: never sent


def test_websub_pings_give_up_after_the_policy_s_last_attempt(settings, closed_port):
    settings.KEPU_DISTRIBUTION = {"max_attempts": 2}
    hub = f"http://127.0.0.1:{closed_port}/hub"
    with pytest.raises(RetryableChannelError):  # the second attempt was the last: no retry asked of Celery
        ping_websub_hub.apply((hub, "https://kepu.example.org/feeds/rss.xml"), retries=1)


@pytest.fixture
def partner_admin(db, client):
    """A studio administrator who manages partners by Django permissions, not a superuser."""
    user = get_user_model().objects.create_user("integrations", password="pw-integrations")
    user.user_permissions.add(
        *Permission.objects.filter(Q(content_type__app_label="feeds") | Q(codename="access_admin"))
    )
    client.force_login(user)
    return client


def test_partner_screens_list_create_edit_and_delete(partner_admin):
    assert partner_admin.get(reverse("partners:index")).status_code == 200
    assert partner_admin.get(reverse("partners:add")).status_code == 200
    form = {
        "name": "医院App",
        "endpoint_url": "https://app.example.cn/hook",
        "secret": "",
        "languages": "zh-hans",
        "tags": "",
        "active": "on",
    }
    created = partner_admin.post(reverse("partners:add"), form, follow=True)
    assert created.status_code == 200
    partner = Partner.objects.get()
    assert partner.secret in created.content.decode()  # generated, shown once
    assert partner_admin.get(reverse("partners:edit", args=[partner.pk])).status_code == 200
    refused = partner_admin.post(
        reverse("partners:edit", args=[partner.pk]), form | {"endpoint_url": "http://app.example.cn/"}
    )
    assert refused.status_code == 200 and Partner.objects.get().endpoint_url.startswith("https://")
    listing = partner_admin.get("/admin/partners/?q=医院").content.decode()
    assert "医院App" in listing
    assert partner_admin.get(reverse("partners:delete", args=[partner.pk])).status_code == 200
    partner_admin.post(reverse("partners:delete", args=[partner.pk]))
    assert not Partner.objects.exists()


def test_the_partner_ledger_shows_state_attempts_and_error_and_retries(
    partner_admin, django_capture_on_commit_callbacks
):
    delivery = _partner_delivery(state=DeliveryState.DEAD, attempts=8, last_error="HTTP 503 from the portal")
    PartnerDelivery.objects.create(
        partner=delivery.partner,
        article_key=2,
        event=PartnerEvent.PUBLISH,
        idempotency_key="kepu-p1-a2-r1-publish",
        payload=delivery.payload,
        state=DeliveryState.DELIVERED,
        attempts=1,
    )
    for query in (
        "",
        "?state=dead",
        "?q=portal",
        "?event=publish",
        f"?partner={delivery.partner_id}",
        "?ordering=-attempts",
    ):
        assert partner_admin.get(f"/admin/partner_deliveries/{query}").status_code == 200, query
    page = partner_admin.get("/admin/partner_deliveries/?state=dead").content.decode()
    assert "HTTP 503 from the portal" in page and ">8<" in re.sub(r"\s+", "", page)
    assert re.findall(r'data-retry-delivery="(\d+)"', page) == [str(delivery.pk)]

    assert partner_admin.get("/admin/partner_deliveries/retry/").status_code == 405
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = partner_admin.post("/admin/partner_deliveries/retry/", {"id": [delivery.pk, "x"]}, follow=True)
    assert response.status_code == 200 and len(queued) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 8
