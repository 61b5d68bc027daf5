"""The reading path behind /s/<token>/: what a patient gets for good, revoked, expired, unknown and draft links."""

from __future__ import annotations

import base64
import datetime
import re

import pytest
from django.utils import timezone

from distribution.sharing.models import (
    ActiveLinkExistsError,
    ShareLink,
    create_share_link,
    share_link_for,
)
from tests.builders import attach_sample_media

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def test_link_shows_the_published_article_with_cache_headers(client, site):
    link = share_link_for(site.article_zh)
    assert re.fullmatch(r"/s/[A-Za-z0-9_-]{22}/", link.get_absolute_url())
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    html = body(response)
    assert "<h1>高血压患者怎样吃得更健康</h1>" in html and '<html lang="zh-Hans">' in html
    assert "相关疾病百科" in html and ">高血压</a>" in html  # related encyclopedia entries
    assert f'src="/s/{link.token}/qr.svg"' in html and link.public_url in html
    assert f'data-beacon="/s/{link.token}/events/"' in html
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    # A CDN may keep it a minute; browsers revalidate each time (cheap 304), so a revocation reaches them at once.
    assert cache_control == {"public", "max-age=0", "must-revalidate", "s-maxage=60"}
    again = client.get(link.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert response["X-Robots-Tag"] == "noindex" and response["Referrer-Policy"] == "same-origin"
    assert "Set-Cookie" not in response


def test_link_token_carries_128_bits_and_nothing_else(site):
    tokens = {create_share_link(site.article_zh, f"group:{n}").token for n in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        # 22 URL-safe base64 characters holding exactly 16 random bytes: nothing else is encoded in the URL.
        assert len(token) == 22 and len(base64.urlsafe_b64decode(token + "==")) == 16


def test_english_reader_gets_the_english_page_of_a_chinese_link(client, site):
    link = share_link_for(site.article_zh)
    html = body(client.get(link.get_absolute_url(), {"lang": "en"}))
    assert "<h1>Eating well with high blood pressure</h1>" in html and '<html lang="en">' in html
    assert "Keep and share" in html


def test_revoked_link_is_gone_with_a_way_to_the_doctor(client, site):
    link = share_link_for(site.article_zh)
    assert client.get(link.get_absolute_url()).status_code == 200  # now cached
    link.revoke()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    html = body(response)
    assert "这个链接已失效" in html and "停用" in html and "高血压患者怎样吃得更健康" not in html
    assert 'href="/doctors/dr-zhang/"' in html and "第一人民医院" in html
    assert client.get(f"/s/{link.token}/qr.png").status_code == 410


def test_expired_link_is_gone_in_the_articles_language(client, site):
    link = create_share_link(site.article_en, "campaign:9", expires_at=timezone.now() + datetime.timedelta(hours=1))
    assert client.get(link.get_absolute_url()).status_code == 200
    link.expires_at = timezone.now() - datetime.timedelta(seconds=1)  # as an editor cutting it short would
    link.save()
    response = client.get(link.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 410
    html = body(response)
    assert '<html lang="en">' in html and "limited time" in html and 'href="/doctors/dr-zhang/?lang=en"' in html


def test_cached_page_does_not_outlive_the_links_expiry(client, site):
    soon = timezone.now() + datetime.timedelta(seconds=30)
    link = create_share_link(site.article_zh, "group:1", expires_at=soon)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1)) <= 30


def test_malformed_and_unknown_tokens_get_a_friendly_404(client, studio):
    for token in ["abc", "x" * 80, "not a token!", "%00%27--", "A" * 22]:
        response = client.get(f"/s/{token}/")
        assert response.status_code == 404, token
        assert "找不到这个链接" in body(response), token


def test_unknown_token_page_follows_the_browser_language(client, studio):
    html = body(client.get("/s/" + "B" * 22 + "/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in html and "We could not find this link" in html


def test_a_draft_is_never_reachable_through_a_link(client, site):
    draft_link = share_link_for(site.draft_article)
    response = client.get(draft_link.get_absolute_url())
    assert response.status_code == 404 and "草稿内容" not in body(response) and "尚未发布的草稿" not in body(response)

    # A new draft of a published article stays invisible until it is approved (published).
    link = share_link_for(site.article_zh)
    article = site.article_zh
    article.title = "草稿标题：尚未审核"
    article.save_revision(user=site.doctor.user)
    html = body(client.get(link.get_absolute_url()))
    assert "高血压患者怎样吃得更健康" in html and "尚未审核" not in html


def test_a_new_approved_revision_replaces_the_cached_page(client, site):
    link = share_link_for(site.article_zh)
    assert "高血压患者怎样吃得更健康" in body(client.get(link.get_absolute_url()))
    article = site.article_zh
    article.title = "高血压饮食：新版"
    article.save_revision().publish()
    assert "高血压饮食：新版" in body(client.get(link.get_absolute_url()))
    # Unpublishing takes it away at once too.
    article.refresh_from_db()
    article.unpublish()
    assert client.get(link.get_absolute_url()).status_code == 404


def test_translation_published_refreshes_the_chinese_links_english_view(client, site):
    link = share_link_for(site.article_zh)
    assert "Eating well" in body(client.get(link.get_absolute_url(), {"lang": "en"}))
    english = site.article_en
    english.title = "Eating well: updated"
    english.save_revision().publish()
    assert "Eating well: updated" in body(client.get(link.get_absolute_url(), {"lang": "en"}))


def test_player_and_captions_appear_when_media_is_rendered(client, site):
    link = share_link_for(site.article_zh)
    assert "<audio" not in body(client.get(link.get_absolute_url()))
    urls = attach_sample_media(site.article_zh, video=True)
    html = body(client.get(link.get_absolute_url()))  # render finished → cached page dropped
    assert f'<audio id="article-audio" controls preload="none" src="{urls["mp3"]}"' in html
    assert html.count("data-speed=") == 4 and 'data-speed="0.75"' in html and 'data-speed="1.5"' in html
    # Both orientations are offered to the script that picks one; the portrait file comes first (and
    # plays without script); one caption mechanism: the clean files with the narration's <track>.
    portrait = f'<source src="{urls["portrait:mp4"]}" type="video/mp4" data-orientation="portrait"'
    landscape = f'<source src="{urls["landscape:mp4"]}" type="video/mp4" data-orientation="landscape"'
    assert portrait in html and landscape in html and html.index(portrait) < html.index(landscape)
    assert f'data-poster="{urls["landscape:poster"]}"' in html and f'poster="{urls["portrait:poster"]}"' in html
    assert html.count("<track ") == 1
    assert f'<track kind="captions" srclang="zh-Hans" src="{urls["vtt"]}"' in html and " default>" in html
    # the files with burned captions are downloads, never a <source> of the player
    for orientation in ("portrait", "landscape"):
        captioned = urls[f"{orientation}:mp4_captioned"]
        assert f'<a href="{captioned}" download' in html and f'src="{captioned}"' not in html
    assert html.count('data-controls-for="article-audio"') == 1 and html.count('data-controls-for="article-video"') == 1
    assert "<script>" not in html and " onclick=" not in html  # nothing inline: the pages get a strict CSP


def test_media_of_an_older_revision_is_not_offered(client, site):
    attach_sample_media(site.article_zh)
    link = share_link_for(site.article_zh)
    assert "<audio" in body(client.get(link.get_absolute_url()))
    site.article_zh.save_revision().publish()  # new approved text: the old narration no longer matches it
    assert "<audio" not in body(client.get(link.get_absolute_url()))


def test_print_view_drops_the_players_and_keeps_the_qr_code(client, site):
    attach_sample_media(site.article_zh)
    link = share_link_for(site.article_zh)
    html = body(client.get(link.get_absolute_url(), {"print": "1"}))
    assert "<audio" not in html and "data-print-now" in html and "qr.svg" in html and "data-beacon" not in html
    assert "打印版" in body(client.get(link.get_absolute_url()))


def test_one_active_link_per_audience_and_replacing_it(site):
    first = create_share_link(site.article_zh, "campaign:3", label="春季随访")
    with pytest.raises(ActiveLinkExistsError):
        create_share_link(site.article_zh, "campaign:3")
    second = create_share_link(site.article_zh, "campaign:3", replace=True)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.is_usable and share_link_for(site.article_zh, "campaign:3") == second
    with pytest.raises(ValueError, match="audience"):
        create_share_link(site.article_zh, "13800138000")  # a phone number is not an audience


def test_expired_link_frees_its_audience_for_a_new_one(site):
    old = create_share_link(site.article_zh, "group:4", expires_at=timezone.now() + datetime.timedelta(minutes=5))
    ShareLink.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    new = share_link_for(site.article_zh, "group:4")
    old.refresh_from_db()
    assert new.pk != old.pk and new.is_usable and old.state == "expired"


def test_reading_page_never_errors_on_odd_methods_and_queries(client, site):
    link = share_link_for(site.article_zh)
    url = link.get_absolute_url()
    assert client.post(url).status_code == 405
    for query in ({"lang": "xx"}, {"print": "yes"}, {"lang": ["en", "zh"]}, {"utm_source": "wechat"}):
        assert client.get(url, query).status_code == 200
    assert client.head(url).status_code == 200


PAGE_WEIGHT_BUDGET = 60 * 1024  # HTML + CSS + JS, as a phone on a slow network downloads them


def test_reading_page_with_players_stays_within_the_weight_budget(client, site):
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles import finders

    for article in (site.article_zh, site.article_en):
        attach_sample_media(article, video=True)
        response = client.get(share_link_for(article).get_absolute_url())
        html = body(response)
        assert "<audio" in html and "<video" in html
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', html)
        urls = [stylesheet or script for stylesheet, script in assets]
        assert any(url.endswith("reading.js") for url in urls) and any(url.endswith(".css") for url in urls)
        total = len(response.content) + sum(
            Path(finders.find(url.removeprefix(settings.STATIC_URL))).stat().st_size for url in urls
        )
        assert total <= PAGE_WEIGHT_BUDGET, f"{article.title}: {total} bytes"


def test_shared_link_has_a_preview_card_icons_and_its_own_language(client, site, settings):
    settings.KEPU_PUBLIC_BASE_URL = "https://kepu.example.org"
    link = share_link_for(site.article_zh)
    html = body(client.get(link.get_absolute_url()))
    assert 'name="twitter:card" content="summary"' in html and "og:image" not in html  # no card rendered yet
    urls = attach_sample_media(site.article_zh, cover=True)
    response = client.get(link.get_absolute_url())
    html = body(response)
    assert response["Content-Language"] == "zh-Hans"
    cover = f"https://kepu.example.org{urls['cover']}"
    assert f'<meta property="og:image" content="{cover}">' in html
    assert '<meta property="og:image:width" content="1200">' in html and 'content="630"' in html
    assert f'<meta name="twitter:image" content="{cover}">' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert f'<meta property="og:url" content="{link.public_url}">' in html
    assert f'<meta property="og:title" content="{site.article_zh.title}">' in html
    assert '<meta property="og:locale" content="zh_CN">' in html
    for icon in ("img/favicon.svg", "img/favicon-32.png", "img/apple-touch-icon.png"):
        assert icon in html
    assert client.get(urls["cover"]).status_code == 200  # the card resolves (byte-range media view)


def test_english_translation_of_a_link_is_sent_as_english(client, site):
    link = share_link_for(site.article_zh)
    response = client.get(link.get_absolute_url(), {"lang": "en"})
    assert response["Content-Language"] == "en" and '<html lang="en">' in body(response)
    assert '<meta property="og:locale" content="en_US">' in body(response)
    assert client.get(link.get_absolute_url())["Content-Language"] == "zh-Hans"


@pytest.fixture(params=["local memory", "redis"])
def shared_cache(request, settings):
    """The page cache on each backend; Redis as production runs it (a key prefix of this test, cleaned up after)."""
    if request.param == "redis":
        import uuid

        import redis

        from tests.distribution.campaigns.worker_processes import redis_answers

        if not redis_answers():
            pytest.skip("Redis is not answering on 127.0.0.1:6379")
        prefix = f"kepu-test-{uuid.uuid4().hex[:8]}"
        url = "redis://127.0.0.1:6379/14"
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
        }
        yield request.param
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        yield request.param


def test_a_page_rendered_just_before_a_revoke_and_stored_just_after_is_not_served(client, site, shared_cache):
    """The race deleting keys alone leaves open: a worker read the link (active), the link is revoked, the worker
    stores its page. The page carries the generation it was rendered in; the revoke moved the generation on."""
    from distribution.sharing import page_cache

    link = share_link_for(site.article_zh)
    url = link.get_absolute_url()
    page = client.get(url)
    assert page.status_code == 200
    _stored, generation = page_cache.load(link.token, "", False)  # the late worker, before reading the link
    link.revoke()
    page_cache.store(
        link.token, "", False, page_cache.StoredPage(200, page.content, page["Content-Type"], None), generation
    )
    assert page_cache.load(link.token, "", False)[0] is None
    assert client.get(url).status_code == 410

    # A link that changes again (its expiry moved) renders afresh, and the new page is served from the cache.
    other = share_link_for(site.article_en)
    assert client.get(other.get_absolute_url()).status_code == 200
    other.expires_at = timezone.now() + datetime.timedelta(days=3)
    other.save()
    assert page_cache.load(other.token, "", False)[0] is None
    assert client.get(other.get_absolute_url()).status_code == 200
    assert page_cache.load(other.token, "", False)[0] is not None


def test_a_shared_link_offers_the_other_language_on_the_same_link(client, site):
    link = share_link_for(site.article_zh)
    html = body(client.get(link.get_absolute_url()))
    assert f'class="lang-switch" href="{link.get_absolute_url()}?lang=en" hreflang="en"' in html
    english = body(client.get(link.get_absolute_url(), {"lang": "en"}))
    assert "<h1>Eating well with high blood pressure</h1>" in english
    assert f'class="lang-switch" href="{link.get_absolute_url()}?lang=zh-hans" hreflang="zh-Hans"' in english
    back = body(client.get(link.get_absolute_url(), {"lang": "zh-hans"}))
    assert "<h1>高血压患者怎样吃得更健康</h1>" in back
    # Search engines are still pointed at the public pages (the shared page itself is noindex).
    assert f'<link rel="alternate" hreflang="en" href="http://testserver{site.article_en.url}">' in html


def test_the_english_view_of_a_link_credits_the_doctor_in_english(client, site):
    from django.core.cache import cache

    from cms.doctors.models import DoctorProfile

    DoctorProfile.objects.filter(pk=site.doctor.pk).update(name_en="Dr Zhang Wei", hospital_en="First Hospital")
    cache.clear()
    link = share_link_for(site.article_zh)
    english = body(client.get(link.get_absolute_url(), {"lang": "en"}))
    byline = re.search(r'<p class="byline">(.*?)</p>', english).group(1)
    assert "Dr Zhang Wei" in byline and "First Hospital" in byline and "张医生" not in byline
    assert '<meta property="article:author" content="Dr Zhang Wei">' in english
    chinese = body(client.get(link.get_absolute_url()))
    assert "张医生" in re.search(r'<p class="byline">(.*?)</p>', chinese).group(1)
