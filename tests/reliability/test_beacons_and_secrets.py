"""Read beacons only from the site's own pages, caps shared through the cache; partner secrets write-only."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from distribution.sharing.models import ReadStat, create_share_link

pytestmark = pytest.mark.django_db


def _beacon(client, token, **headers):
    body = f'{{"event": "view", "nonce": "{uuid.uuid4().hex}"}}'
    return client.post(f"/s/{token}/events/", body, content_type="text/plain", **headers)


@pytest.fixture
def link(settings):
    from tests.builders import publish_sample_site

    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    settings.KEPU_PUBLIC_BASE_URL = "https://kp.example.cn"
    return create_share_link(publish_sample_site().article_zh)


def test_beacons_from_another_site_are_refused_and_ours_counted(client, link):
    assert _beacon(client, link.token, HTTP_ORIGIN="https://evil.example.com").status_code == 403
    assert _beacon(client, link.token, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert (
        _beacon(client, link.token, HTTP_ORIGIN="https://kp.example.cn", HTTP_SEC_FETCH_SITE="same-origin").status_code
        == 204
    )
    assert (
        _beacon(client, link.token, HTTP_ORIGIN="http://testserver").status_code == 204
    )  # the host it was served from
    assert _beacon(client, link.token).status_code == 204  # an old browser that sends neither header
    assert sum(ReadStat.objects.filter(link=link).values_list("views", flat=True)) == 3


def test_the_per_link_cap_is_counted_in_the_shared_cache(client, link, monkeypatch, settings, tmp_path):
    import time

    from django.core.cache.backends.filebased import FileBasedCache

    from distribution.sharing import analytics

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }  # as the embedded set-up has it
    monkeypatch.setattr(analytics, "EVENTS_PER_MINUTE", 3)
    minute = int(time.time() // 60)
    statuses = [_beacon(client, link.token).status_code for _ in range(5)]
    assert statuses == [204, 204, 204, 429, 429] or int(time.time() // 60) != minute  # (a minute boundary resets)
    # Another process opens the same cache and sees this process's count: the cap is shared.
    other_process = FileBasedCache(str(tmp_path / "cache"), {})
    assert other_process.get(f"sharing:rate:{link.token}:{minute}") == 5 or int(time.time() // 60) != minute


def test_the_default_cache_is_shared_between_processes():
    from kepu.settings import base

    assert base.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    }


def test_partner_secrets_are_write_only_in_the_admin(client):
    from django.contrib.auth import get_user_model

    from distribution.feeds.models import Partner

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw"))
    add = client.post(
        reverse("partners:add"),
        {
            "name": "医院App",
            "endpoint_url": "https://app.example.cn/hook",
            "secret": "",
            "languages": "",
            "tags": "",
            "active": "on",
        },
        follow=True,
    )
    partner = Partner.objects.get()
    assert len(partner.secret) >= 16
    assert partner.secret in add.content.decode()  # shown once, right after it was generated
    change_url = reverse("partners:edit", args=[partner.pk])
    assert partner.secret not in client.get(change_url).content.decode()  # never again
    form = {
        "name": "医院App",
        "endpoint_url": "https://app.example.cn/hook",
        "secret": "",
        "languages": "",
        "tags": "",
        "active": "on",
    }
    client.post(change_url, form)
    kept = partner.secret
    partner.refresh_from_db()
    assert partner.secret == kept  # an empty field keeps the secret
    client.post(change_url, form | {"secret": "a-new-shared-secret-0123456789"})
    partner.refresh_from_db()
    assert partner.secret == "a-new-shared-secret-0123456789"
    assert "a-new-shared-secret-0123456789" not in client.get(change_url).content.decode()
