"""Media in S3-compatible object storage, against a real S3 server (moto's server mode, started here).

Whatever leaves the studio (feed enclosures, share pages, messages) must keep
working after an hour, and the same feed must have the same body and ETag on
every request; uploaded originals must never be readable without a signature.
"""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import override_settings

from kepu.media_storage import PublicMediaStorage
from kepu.settings.environment import public_media_origins
from tests.fakes.s3_server import BUCKET, KEYS, s3_settings, storage


def test_public_files_have_permanent_urls_and_private_ones_need_a_signature(s3_endpoint):
    media = storage(s3_endpoint)
    public = media.save("media-renders/7/3/voice/r1-narration.mp3", ContentFile(b"ID3 narration"))
    private = media.save("original_images/Xq3v.png", ContentFile(b"\x89PNG original"))

    url = media.url(public)
    assert url == f"{s3_endpoint}/{BUCKET}/{public}" and url == media.url(public)  # no query, no expiry
    assert requests.get(url, timeout=5).content == b"ID3 narration"

    signed = media.url(private)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=3600" in signed
    assert requests.get(signed, timeout=5).content == b"\x89PNG original"  # staff in the admin
    unsigned = signed.split("?")[0]
    assert requests.get(unsigned, timeout=5).status_code == 403  # anyone else
    # A name that only looks public after normalisation is judged by where it really is.
    assert "X-Amz-Signature=" in media.url("images/../original_images/Xq3v.png")


def test_a_custom_domain_serves_public_files_and_private_ones_stay_signed_on_the_bucket(s3_endpoint):
    media = storage(s3_endpoint, custom_domain="media.kepu.example.cn")
    assert media.url("images/a.fill-40x30.png") == "https://media.kepu.example.cn/images/a.fill-40x30.png"
    private = media.url("original_images/b.png")
    assert private.startswith(f"{s3_endpoint}/{BUCKET}/original_images/b.png?") and "X-Amz-Signature=" in private


def test_virtual_host_addressing_for_aliyun_oss(s3_endpoint):
    port = urlsplit(s3_endpoint).port
    media = storage(f"http://localhost:{port}", addressing_style="virtual")
    url = media.url("images/c.png")
    assert url == f"http://{BUCKET}.localhost:{port}/images/c.png"  # the bucket in the host name, as OSS requires
    storage(s3_endpoint).save("images/c.png", ContentFile(b"rendition"))
    # The host name is not in DNS here: ask the server at its address, with the URL's Host, as a resolver would.
    answer = requests.get(f"{s3_endpoint}/images/c.png", headers={"Host": urlsplit(url).netloc}, timeout=5)
    assert answer.status_code == 200 and answer.content == b"rendition"
    assert public_media_origins(
        bucket=BUCKET, endpoint_url="https://oss-cn-hangzhou.aliyuncs.com", addressing_style="virtual"
    ) == [f"https://{BUCKET}.oss-cn-hangzhou.aliyuncs.com"]


@pytest.mark.parametrize(("mode", "checksum_sent"), [("when_required", False), ("when_supported", True)])
def test_checksum_headers_follow_the_setting(s3_endpoint, mode, checksum_sent):
    media = storage(s3_endpoint, request_checksum_calculation=mode)
    sent = []
    media.connection.meta.client.meta.events.register(
        "before-send.s3.PutObject", lambda request, **kwargs: sent.append(dict(request.headers))
    )
    media.save(f"media-renders/checksum-{mode}.txt", ContentFile(b"x"))
    [headers] = sent
    assert any(name.lower().startswith("x-amz-checksum-") for name in headers) is checksum_sent


def test_checksum_modes_are_checked():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="when_required"):
        PublicMediaStorage(bucket_name=BUCKET, request_checksum_calculation="never", **KEYS)


def test_acl_mode_marks_public_uploads_public_read_and_the_rest_private(s3_endpoint):
    client = storage(s3_endpoint).connection.meta.client
    client.create_bucket(Bucket="kepu-acl")  # no bucket policy: the object ACLs decide
    media = storage(s3_endpoint, bucket_name="kepu-acl", public_acl="public-read")
    public = media.save("images/d.png", ContentFile(b"public"))
    private = media.save("recordings/e.wav", ContentFile(b"voice"))
    assert requests.get(media.url(public), timeout=5).content == b"public"
    assert requests.get(f"{s3_endpoint}/kepu-acl/{private}", timeout=5).status_code == 403
    assert requests.get(media.url(private), timeout=5).content == b"voice"


@pytest.mark.django_db
def test_uploaded_originals_stay_private_and_renditions_reach_readers(s3_endpoint, client, people):
    from cms.illustrations.models import Illustration
    from tests.cms.illustrations.uploads import png_bytes, upload

    with override_settings(STORAGES=s3_settings(s3_endpoint)):
        client.force_login(people["editor"])
        assert upload(client, png_bytes(), name="plate-method.png").status_code == 302
        picture = Illustration.objects.get()
        original = picture.file.url
        assert requests.get(original.split("?")[0], timeout=5).status_code == 403
        assert requests.get(original, timeout=5).status_code == 200
        rendition = picture.get_rendition("fill-40x30").url
        assert "?" not in rendition and requests.get(rendition, timeout=5).status_code == 200


@pytest.mark.django_db
def test_feed_enclosures_are_permanent_and_the_feed_is_the_same_on_every_request(s3_endpoint, client, settings):
    from media_pipeline.models import MediaOutput, MediaRender, OutputRole, RenderKind, RenderStatus
    from tests.builders import publish_sample_site

    settings.KEPU_PUBLIC_BASE_URL = "https://kepu.example.org"
    settings.KEPU_WEBSUB_HUB = ""
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    with override_settings(STORAGES=s3_settings(s3_endpoint)):
        site = publish_sample_site()
        article = site.article_zh
        render = MediaRender.objects.create(
            article=article, revision_id=article.live_revision_id, kind=RenderKind.VOICE, status=RenderStatus.SUCCEEDED
        )
        output = MediaOutput(render=render, role=OutputRole.MP3, mime_type="audio/mpeg", size=13, duration=1.0)
        output.file.save("narration.mp3", ContentFile(b"ID3 narration"), save=True)

        first = client.get("/feeds/rss.xml")
        cache.clear()  # nothing cached may hide a changing body
        second = client.get("/feeds/rss.xml")
        assert first.status_code == second.status_code == 200
        assert first.content == second.content and first["ETag"] == second["ETag"]
        body = first.content.decode()
        enclosure = f"{s3_endpoint}/{BUCKET}/{output.file.name}"
        assert f'url="{enclosure}"' in body and "X-Amz" not in body
        assert requests.get(enclosure, timeout=5).content == b"ID3 narration"


def test_the_settings_take_the_storage_options_from_the_environment():
    import os

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kepu.settings.dev",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_ACCESS_KEY_ID": KEYS["access_key"],
        "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
        "AWS_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
        "AWS_S3_ADDRESSING_STYLE": "virtual",
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        "AWS_QUERYSTRING_EXPIRE": "600",
    }
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import default_storage as s\n"
        "print(json.dumps([s.url('images/a.png'), s.url('original_images/b.png'),"
        " s.client_config.request_checksum_calculation, s.client_config.response_checksum_validation,"
        " settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['media-src']]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    public, private, request_mode, response_mode, media_src = json.loads(done.stdout.strip().splitlines()[-1])
    assert public == f"https://{BUCKET}.oss-cn-hangzhou.aliyuncs.com/images/a.png"
    assert private.startswith(f"https://{BUCKET}.oss-cn-hangzhou.aliyuncs.com/original_images/b.png?")
    assert "X-Amz-Expires=600" in private
    assert request_mode == response_mode == "when_required"
    assert f"https://{BUCKET}.oss-cn-hangzhou.aliyuncs.com" in media_src
