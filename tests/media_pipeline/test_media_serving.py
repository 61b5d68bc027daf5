"""Local media is served with byte ranges: players seek, and iOS Safari plays MP4 only from a server that answers 206."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def media_file(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    folder = tmp_path / "media-renders" / "7"
    folder.mkdir(parents=True)
    data = bytes(range(256)) * 40  # 10 240 bytes, every offset recognisable
    (folder / "video.mp4").write_bytes(data)
    (folder / "captions.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n", encoding="utf-8")
    return "/media/media-renders/7/video.mp4", data


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "header, first, last",
    [
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-240", 10000, 10239),
        ("bytes=0-0", 0, 0),
        ("bytes=10200-99999", 10200, 10239),  # the end is clipped to the file
    ],
)
def test_a_range_gets_206_with_exactly_those_bytes(client, media_file, header, first, last):
    url, data = media_file
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(data)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes" and response["Content-Type"] == "video/mp4"
    assert body(response) == data[first : last + 1]


def test_whole_file_advertises_ranges_and_validators(client, media_file):
    url, data = media_file
    response = client.get(url)
    assert response.status_code == 200 and body(response) == data
    assert response["Accept-Ranges"] == "bytes" and response["Content-Length"] == str(len(data))
    etag = response["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    head = client.head(url, HTTP_RANGE="bytes=0-99")
    assert head.status_code == 206 and head["Content-Range"] == f"bytes 0-99/{len(data)}" and head.content == b""
    vtt = client.get("/media/media-renders/7/captions.vtt")
    assert vtt["Content-Type"] == "text/vtt" and "你好" in body(vtt).decode()


def test_unsatisfiable_ranges_get_416_and_bad_ones_the_whole_file(client, media_file):
    url, data = media_file
    for header in ("bytes=10240-", "bytes=99999-100000", "bytes=-0"):
        response = client.get(url, HTTP_RANGE=header)
        assert response.status_code == 416, header
        assert response["Content-Range"] == f"bytes */{len(data)}"
    for header in ("bytes=5-2", "items=0-10", "bytes=0-10,20-30", "bytes=abc"):
        response = client.get(url, HTTP_RANGE=header)  # ignored, as RFC 9110 allows: the whole file
        assert response.status_code == 200 and body(response) == data, header


def test_if_range_with_a_stale_validator_gets_the_new_whole_file(client, media_file):
    url, data = media_file
    fresh = client.get(url, HTTP_RANGE="bytes=0-9")
    assert client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=fresh["ETag"]).status_code == 206
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"an-older-version"')
    assert stale.status_code == 200 and body(stale) == data


@pytest.mark.django_db  # the friendly 404 page reads the site tree
def test_paths_outside_the_media_folder_and_missing_files_are_404(client, media_file, tmp_path):
    (tmp_path.parent / "secret.txt").write_text("no")
    for url in ("/media/../secret.txt", "/media/media-renders/7/missing.mp4", "/media/media-renders/7/"):
        assert client.get(url).status_code == 404, url
    assert client.post(media_file[0]).status_code == 405
    assert os.path.exists(tmp_path / "media-renders" / "7" / "video.mp4")
