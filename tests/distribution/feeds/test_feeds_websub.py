"""WebSub: feeds announce the hub, and publishing or unpublishing pings it (a real local HTTP hub)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote

import feedparser
import pytest
from celery.exceptions import Retry

from cms.articles.models import Article
from distribution.feeds.tasks import ping_websub_hub
from distribution.feeds.websub import ping_hub
from tests.builders import SampleSite, attach_sample_media, publish_sample_site

BASE = "https://kepu.example.org"


class FakeHub:
    """Records ``hub.mode=publish`` pings; answers 204, or scripted statuses first."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.statuses: list[int] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                hub.pings.append(parse_qs(body))
                status = hub.statuses.pop(0) if hub.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def topics(self) -> set[str]:
        return {ping["hub.url"][0] for ping in self.pings if ping.get("hub.mode") == ["publish"]}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    server = FakeHub()
    yield server
    server.close()


@pytest.fixture
def site(db, settings, hub) -> SampleSite:
    settings.KEPU_PUBLIC_BASE_URL = BASE
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    settings.KEPU_WEBSUB_HUB = ""  # building the site pings nothing
    sample = publish_sample_site()
    settings.KEPU_WEBSUB_HUB = hub.url
    return sample


def feed_url(path: str) -> str:
    return BASE + quote(f"/feeds/{path}")


def test_feeds_announce_the_hub_and_themselves(client, site, hub):
    for fmt in ("rss.xml", "atom.xml"):
        response = client.get(f"/feeds/en/doctors/dr-zhang/{fmt}")
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0
        links = {(link.rel, link.href) for link in parsed.feed.links}
        assert ("hub", hub.url) in links
        assert ("self", feed_url(f"en/doctors/dr-zhang/{fmt}")) in links
        assert f'<{hub.url}>; rel="hub"' in response.headers["Link"]
    document = json.loads(client.get("/feeds/en/doctors/dr-zhang/feed.json").content)
    assert document["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_publishing_pings_every_feed_the_article_appears_in(site, hub, django_capture_on_commit_callbacks):
    article = Article.objects.get(pk=site.article_zh.pk)
    article.title = "高血压患者怎样吃得更健康（更新）"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    expected = {
        feed_url(scope + fmt)
        for scope in ("", "doctors/dr-zhang/", "tags/高血压/", "tags/饮食/")
        for fmt in ("rss.xml", "atom.xml", "feed.json")
    }
    assert hub.topics() == expected
    assert len(hub.pings) == len(expected)  # each topic once


def test_unpublishing_pings_too(site, hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.get(pk=site.article_en.pk).unpublish()
    assert feed_url("en/rss.xml") in hub.topics()
    assert feed_url("en/doctors/dr-zhang/feed.json") in hub.topics()
    assert not any("/feeds/rss.xml" in topic for topic in hub.topics())  # the Chinese feeds did not change


def test_a_new_narration_pings_every_feed_the_article_appears_in(site, hub, django_capture_on_commit_callbacks):
    """The article's enclosures changed: subscribers hear of it as of a publish."""
    with django_capture_on_commit_callbacks(execute=True):
        attach_sample_media(site.article_zh)  # announced by media_pipeline's outputs_published
    expected = {
        feed_url(scope + fmt)
        for scope in ("", "doctors/dr-zhang/", "tags/高血压/", "tags/饮食/")
        for fmt in ("rss.xml", "atom.xml", "feed.json")
    }
    assert hub.topics() == expected
    assert len(hub.pings) == len(expected)


def test_a_rolled_back_change_pings_nothing_and_the_next_commit_pings_it(site, hub, django_capture_on_commit_callbacks):
    from django.db import transaction

    from distribution.feeds.signals import ping_feeds_of

    article = Article.objects.get(pk=site.article_zh.pk)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                topics = ping_feeds_of(article)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert topics and hub.pings == []
    with django_capture_on_commit_callbacks(execute=True):
        ping_feeds_of(article)
        ping_feeds_of(article)  # the same feeds again in the same transaction
    assert hub.topics() == set(topics)
    assert len(hub.pings) == len(topics)  # each topic once


def test_encyclopedia_changes_ping_the_chapter_feeds(site, hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        site.gout_en.save_revision().publish()
    assert hub.topics() == {
        feed_url(f"en/encyclopedia/{scope}{fmt}")
        for scope in ("", "M00/")
        for fmt in ("rss.xml", "atom.xml", "feed.json")
    }


def test_a_busy_hub_makes_the_ping_task_ask_celery_for_a_retry(hub):
    hub.statuses = [503]
    topic = feed_url("en/rss.xml")
    with pytest.raises(Retry) as retry:  # eager mode surfaces the retry Celery would schedule
        ping_websub_hub.delay(hub.url, topic)
    assert "HTTP 503" in str(retry.value.exc)
    assert ping_websub_hub.delay(hub.url, topic).get() == 204
    assert [ping["hub.url"] for ping in hub.pings] == [[topic], [topic]]


def test_a_hub_refusing_the_topic_is_a_permanent_error(hub):
    from distribution.channels.errors import PermanentChannelError, RetryableChannelError

    hub.statuses = [400]
    with pytest.raises(PermanentChannelError, match="HTTP 400"):
        ping_hub(hub.url, feed_url("rss.xml"))
    assert ping_hub(hub.url, feed_url("rss.xml")) == 204
    hub.close()
    with pytest.raises(RetryableChannelError, match="unreachable"):
        ping_hub(hub.url, feed_url("rss.xml"))


def test_an_encyclopedia_import_pings_each_feed_it_touched_once(
    studio, encyclopedia_data, settings, hub, django_capture_on_commit_callbacks
):
    """The bulk import sends no page_published per page; its one batched signal still reaches the feeds."""
    import io

    from django.core.management import call_command

    from cms.encyclopedia.models import EncyclopediaEntry
    from distribution.feeds.formats import FORMATS

    settings.KEPU_PUBLIC_BASE_URL = BASE
    settings.KEPU_WEBSUB_HUB = hub.url
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_encyclopedia", str(encyclopedia_data), "--no-progress", stdout=io.StringIO())
    prefix = {"zh-hans": "", "en": "en/"}
    scopes = {f"{prefix[language]}encyclopedia/" for language in prefix} | {
        f"{prefix[entry.locale.language_code]}encyclopedia/{entry.chapter.code_from}/"
        for entry in EncyclopediaEntry.objects.live().select_related("locale", "chapter")
        if entry.chapter_id
    }
    expected = {feed_url(scope + fmt) for scope in scopes for fmt in FORMATS}
    assert len(scopes) > 3 and hub.topics() == expected
    assert len(hub.pings) == len(expected)  # each topic once for the whole import

    hub.pings.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_encyclopedia", str(encyclopedia_data), "--no-progress", stdout=io.StringIO())
    assert hub.pings == []  # nothing changed, nothing to tell
