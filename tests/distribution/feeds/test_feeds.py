"""RSS, Atom and JSON Feed output, read back the way subscribers read it (feedparser, the JSON Feed 1.1 spec)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import feedparser
import imageio_ffmpeg
import pytest
from django.conf import settings

from cms.articles.models import Article
from distribution.feeds.enclosures import enclosures_for
from distribution.sharing.models import share_link_for
from media_pipeline import outputs
from media_pipeline.outputs import PublishedMedia
from tests.builders import SampleSite, publish_sample_site

BASE = "https://kepu.example.org"
FORMATS = ("rss.xml", "atom.xml", "feed.json")
SCOPES = {  # path under /feeds/ → (language, what the items are)
    "": ("zh-hans", "articles"),
    "en/": ("en", "articles"),
    "doctors/dr-zhang/": ("zh-hans", "articles"),
    "en/doctors/dr-zhang/": ("en", "articles"),
    "tags/高血压/": ("zh-hans", "articles"),
    "en/tags/饮食/": ("en", "articles"),
    "encyclopedia/": ("zh-hans", "encyclopedia"),
    "encyclopedia/I00/": ("zh-hans", "encyclopedia"),
    "en/encyclopedia/M00/": ("en", "encyclopedia"),
}


@pytest.fixture
def site(db, settings) -> SampleSite:
    settings.KEPU_PUBLIC_BASE_URL = BASE
    settings.KEPU_WEBSUB_HUB = ""
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False  # media are offered through the provider below, not rendered
    return publish_sample_site()


def get_feed(client, path: str, **headers):
    response = client.get(f"/feeds/{path}", **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response


def parse(response) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


# --- JSON Feed 1.1: https://jsonfeed.org/version/1.1 -------------------------------------------


def _rfc3339(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no time zone"
    return moment


def validate_json_feed(document: dict) -> None:
    """The spec's required fields and types (every 'must' of version 1.1)."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    for key in ("home_page_url", "feed_url"):
        if key in document:
            assert document[key].startswith(("https://", "http://"))
    for hub in document.get("hubs", []):
        assert set(hub) >= {"type", "url"}
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str), "content_html or content_text"
        for key in ("date_published", "date_modified"):
            if key in item:
                _rfc3339(item[key])
        for author in item.get("authors", []):
            assert {"name", "url", "avatar"} & set(author)
        for attachment in item.get("attachments", []):
            assert attachment["url"].startswith(("https://", "http://"))
            assert "/" in attachment["mime_type"]
            assert isinstance(attachment.get("size_in_bytes", 0), int)
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


# --- every scope in every format ------------------------------------------------------------------


def test_every_feed_parses_and_lists_the_live_pages_of_its_scope(client, site):
    for scope in SCOPES:  # one sample site for all scopes: building it is the slow part
        check_scope(client, site, scope)


def check_scope(client, site, scope: str) -> None:
    language, kind = SCOPES[scope]
    expected = {
        ("articles", "zh-hans"): {site.article_zh.title},
        ("articles", "en"): {site.article_en.title},
        ("encyclopedia", "zh-hans"): {site.hypertension_zh.title},
    }.get((kind, language))
    if scope == "en/encyclopedia/M00/":
        expected = {site.gout_en.title}
    page_urls = {
        site.article_zh.title: f"{BASE}/articles/eating-well-with-high-blood-pressure/",
        site.article_en.title: f"{BASE}/en/articles/eating-well-with-high-blood-pressure/",
        site.hypertension_zh.title: f"{BASE}/encyclopedia/hypertension/",
        site.gout_en.title: f"{BASE}/en/encyclopedia/gout/",
    }

    for fmt in ("rss.xml", "atom.xml"):
        response = get_feed(client, scope + fmt)
        feed = parse(response)
        assert feed.version == ("rss20" if fmt == "rss.xml" else "atom10")
        assert feed.feed.language == language
        assert response.headers["Content-Language"] == language
        assert {entry.title for entry in feed.entries} == expected
        assert {entry.link for entry in feed.entries} == {page_urls[title] for title in expected}
        assert {link.href for link in feed.feed.links if link.rel == "self"} == {BASE + quote(f"/feeds/{scope}{fmt}")}
        assert not [link for link in feed.feed.links if link.rel == "hub"]  # no hub configured
        assert all(entry.id.startswith("tag:kepu.example.org,2025:") for entry in feed.entries)

    response = get_feed(client, scope + "feed.json")
    assert response.headers["Content-Type"] == "application/feed+json; charset=utf-8"
    document = json.loads(response.content)
    validate_json_feed(document)
    assert document["language"] == language
    assert document["feed_url"] == BASE + quote(f"/feeds/{scope}feed.json")
    assert {item["title"] for item in document["items"]} == expected
    assert {item["url"] for item in document["items"]} == {page_urls[title] for title in expected}
    assert {item["language"] for item in document["items"]} <= {language}


def test_article_entries_carry_author_tags_dates_summary_and_body(client, site):
    document = json.loads(get_feed(client, "doctors/dr-zhang/feed.json").content)
    (item,) = document["items"]
    assert item["authors"] == [{"name": "张医生 · 主任医师 · 第一人民医院", "url": f"{BASE}/doctors/dr-zhang/"}]
    assert sorted(item["tags"]) == ["饮食", "高血压"]
    assert item["summary"] == site.article_zh.summary
    assert "<h2>为什么要少吃盐</h2>" in item["content_html"]
    assert "请立即拨打 120" in item["content_html"]
    assert f'<img src="{BASE}/media/images/' in item["content_html"]
    assert _rfc3339(item["date_published"]) == site.article_zh.first_published_at

    atom = parse(get_feed(client, "doctors/dr-zhang/atom.xml"))
    entry = atom.entries[0]
    assert entry.author == "张医生 · 主任医师 · 第一人民医院"
    assert {tag.term for tag in entry.tags} == {"饮食", "高血压"}
    assert entry.summary == site.article_zh.summary
    assert "为什么要少吃盐" in entry.content[0].value
    rss = parse(get_feed(client, "doctors/dr-zhang/rss.xml"))
    assert site.article_zh.summary in rss.entries[0].description


def test_encyclopedia_entries_carry_sections_and_source_attribution(client, site):
    entry = parse(get_feed(client, "en/encyclopedia/M00/atom.xml")).entries[0]
    body = entry.content[0].value
    assert "<h2>Overview</h2>" in body and "<h2>Treatment</h2>" in body
    assert "MedQuAD / MPlusHealthTopics" in body and "CC BY 4.0" in body
    assert entry.rights.startswith("Source: MedQuAD")
    assert {tag.term for tag in entry.tags} == {"M10"}


def test_drafts_and_unpublished_pages_never_appear(client, site):
    for scope in ("", "doctors/dr-zhang/"):
        for fmt in FORMATS:
            assert "尚未发布" not in get_feed(client, scope + fmt).content.decode()
    site.article_zh.unpublish()
    for fmt in FORMATS:
        assert site.article_zh.title not in get_feed(client, fmt).content.decode()
    assert parse(get_feed(client, "rss.xml")).entries == []
    # An empty feed keeps its ETag between requests, so it can still be answered with 304.
    etag = get_feed(client, "rss.xml").headers["ETag"]
    assert client.get("/feeds/rss.xml", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_feeds_never_leak_share_link_tokens(client, site, django_capture_on_commit_callbacks):
    article = Article.objects.get(pk=site.article_zh.pk)
    campaign_link = share_link_for(article, "campaign:7")
    group_link = share_link_for(article, "group:3")
    article.summary = f"扫码阅读：{campaign_link.public_url} 或 /s/{group_link.token}/"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    public = f"{BASE}/articles/eating-well-with-high-blood-pressure/"
    for scope in ("", "doctors/dr-zhang/", "tags/饮食/"):
        for fmt in FORMATS:
            body = get_feed(client, scope + fmt).content.decode()
            assert campaign_link.token not in body and group_link.token not in body
            assert "/s/" not in body
            assert public in body


def test_unknown_scopes_are_404(client, site):
    for path in (
        "doctors/nobody/rss.xml",
        "tags/no-such-tag/atom.xml",
        "encyclopedia/Z99/feed.json",
        "fr/rss.xml",
        "rss.html",
        "en/doctors/nobody/feed.json",
    ):
        assert client.get(f"/feeds/{path}").status_code == 404, path


def test_feeds_are_read_only(client, site):
    assert client.post("/feeds/rss.xml").status_code == 405
    assert client.head("/feeds/rss.xml").status_code == 200


# --- caching --------------------------------------------------------------------------------------


def test_conditional_get_answers_304_until_the_feed_changes(client, site, django_capture_on_commit_callbacks):
    first = get_feed(client, "atom.xml")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "max-age=" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]

    assert client.get("/feeds/atom.xml", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/feeds/atom.xml", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    # ETag is per representation: the RSS rendering of the same scope has its own.
    assert get_feed(client, "rss.xml").headers["ETag"] != etag

    article = Article.objects.get(pk=site.article_zh.pk)
    article.title = "高血压患者怎样吃得更健康（修订）"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    changed = client.get("/feeds/atom.xml", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "（修订）" in changed.content.decode()


def test_unpublishing_moves_last_modified_forward_so_no_false_304(client, site):
    before = get_feed(client, "rss.xml")
    site.article_zh.unpublish()
    after = client.get("/feeds/rss.xml", HTTP_IF_MODIFIED_SINCE=before.headers["Last-Modified"])
    # Same-second unpublish can leave the header equal; the ETag still differs and must win when sent.
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/feeds/rss.xml", HTTP_IF_NONE_MATCH=before.headers["ETag"]).status_code == 200
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(after.headers["Last-Modified"]) >= parsedate_to_datetime(
        before.headers["Last-Modified"]
    )


# --- enclosures -----------------------------------------------------------------------------------


def _render(path: Path, *args: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", *args, str(path)], check=True)
    return path


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


@pytest.fixture
def narrated_article(site, monkeypatch):
    """Real MP3 and MP4 files for the Chinese article, offered through media_pipeline's provider contract."""
    folder = Path(settings.MEDIA_ROOT) / "media-renders" / f"article-{site.article_zh.pk}"  # where renders live, public
    mp3 = _render(folder / "narration.mp3", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libmp3lame")
    mp4 = _render(
        folder / "video.mp4",
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=160x120:d=1",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:duration=1",
        "-shortest",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    )
    vtt = folder / "narration.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\n少盐\n", encoding="utf-8")
    prefix = f"{settings.MEDIA_URL}media-renders/article-{site.article_zh.pk}/"

    def item(name: str, role: str, mime_type: str, path: Path) -> PublishedMedia:
        return PublishedMedia(
            kind=name,
            role=role,
            url=prefix + path.name,
            storage_url=prefix + path.name,
            mime_type=mime_type,
            length=path.stat().st_size,
            duration=1.0,
        )

    media = {
        site.article_zh.pk: [  # video first on purpose: feeds must still put the audio first
            item("video_landscape", "mp4", "video/mp4", mp4),
            item("voice", "vtt", "text/vtt", vtt),  # captions are not enclosures
            item("voice", "mp3", "audio/mpeg", mp3),
        ],
    }
    # The media pipeline's provider, answering with real files in its own return type.
    monkeypatch.setattr(outputs, "published_media", lambda article: media.get(article.pk, []))
    return {"mp3": mp3, "mp4": mp4}


@pytest.mark.slow
def test_enclosures_offer_the_rendered_mp3_and_mp4(client, site, narrated_article):
    mp3, mp4 = narrated_article["mp3"], narrated_article["mp4"]
    assert _probe(mp3)["streams"][0]["codec_name"] == "mp3"
    assert {stream["codec_type"] for stream in _probe(mp4)["streams"]} == {"video", "audio"}
    mp3_url = f"{BASE}/media/media-renders/article-{site.article_zh.pk}/narration.mp3"
    mp4_url = f"{BASE}/media/media-renders/article-{site.article_zh.pk}/video.mp4"

    rss = parse(get_feed(client, "rss.xml")).entries[0]
    assert [(e.href, e.type, int(e.length)) for e in rss.enclosures] == [(mp3_url, "audio/mpeg", mp3.stat().st_size)]

    atom = parse(get_feed(client, "atom.xml")).entries[0]
    assert [(e.href, e.type, int(e.length)) for e in atom.enclosures] == [
        (mp3_url, "audio/mpeg", mp3.stat().st_size),
        (mp4_url, "video/mp4", mp4.stat().st_size),
    ]

    document = json.loads(get_feed(client, "feed.json").content)
    validate_json_feed(document)
    assert document["items"][0]["attachments"] == [
        {"url": mp3_url, "mime_type": "audio/mpeg", "size_in_bytes": mp3.stat().st_size, "duration_in_seconds": 1.0},
        {"url": mp4_url, "mime_type": "video/mp4", "size_in_bytes": mp4.stat().st_size, "duration_in_seconds": 1.0},
    ]
    # The enclosure URL serves the very file whose length the feed announces.
    served = client.get(mp3_url.removeprefix(BASE))
    assert b"".join(served.streaming_content) == mp3.read_bytes()
    # English article has no media: no enclosure at all.
    assert parse(get_feed(client, "en/rss.xml")).entries[0].enclosures == []


def test_a_provider_breaking_the_contract_is_reported(site, monkeypatch):
    broken = PublishedMedia(
        kind="voice", role="mp3", url="/media/x.mp3", storage_url="/media/x.mp3", mime_type="audio/mpeg", length=0
    )
    monkeypatch.setattr(outputs, "published_media", lambda article: [broken])
    with pytest.raises(ValueError, match="positive byte length"):
        enclosures_for(site.article_zh)
