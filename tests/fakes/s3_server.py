"""S3-compatible object storage for the tests: moto's server (a real HTTP S3 API in its own process),
the studio's bucket and its public-read policy, and the storage settings that point at it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from kepu.media_storage import PublicMediaStorage
from tests.deadlines import wait_until

BUCKET = "kepu-media"
KEYS = {"access_key": "AKIAKEPUTEST0000", "secret_key": "kepu-test-secret-key-0000"}
# The bucket policy the README gives: anyone may read the public prefixes, nothing else.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicMedia",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{BUCKET}/images/*", f"arn:aws:s3:::{BUCKET}/media-renders/*"],
        }
    ],
}


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """A moto S3 server in its own process, with the studio's bucket and its public-read policy; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def alive() -> None:
        assert process.poll() is None, "the moto server exited"

    try:
        wait_until(answers, progress=lambda: None, alive=alive, what="the moto S3 server", idle_s=20)
        client = storage(endpoint).connection.meta.client
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(POLICY))
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def options(endpoint: str, **overrides) -> dict:
    return {
        "bucket_name": BUCKET,
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "default_acl": None,
        "file_overwrite": False,
        "addressing_style": "path",
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
        **KEYS,
        **overrides,
    }


def storage(endpoint: str, **overrides) -> PublicMediaStorage:
    return PublicMediaStorage(**options(endpoint, **overrides))


def s3_settings(endpoint: str, **overrides) -> dict:
    return {
        "default": {"BACKEND": "kepu.media_storage.PublicMediaStorage", "OPTIONS": options(endpoint, **overrides)},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
