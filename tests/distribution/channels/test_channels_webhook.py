"""Signed webhooks against the local signature-checking sink."""

from __future__ import annotations

import json
import logging
import socket

import pytest
import requests

from distribution.channels import (
    ChannelConfigurationError,
    ContactInactiveError,
    DeliveryOutcome,
    HttpSettings,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    WebhookChannel,
    WebhookConfig,
    get_channel,
    sign_webhook,
    verify_signature,
)
from tests.fakes.webhook_sink import WebhookSink


def make_channel(sink: WebhookSink, **overrides) -> WebhookChannel:
    fields = dict(secret=sink.secret, allow_plain_http=True)
    fields.update(overrides)
    return WebhookChannel(WebhookConfig(**fields))


def message(url: str, key: str = "c1-p1-webhook", **overrides) -> OutgoingMessage:
    fields = dict(
        idempotency_key=key,
        address=url,
        title="高血压患者的日常饮食",
        summary="心内科医生讲解控盐技巧",
        url="https://kp.example.cn/a/hypertension-diet/",
        unsubscribe_url="https://kp.example.cn/unsubscribe/tok3n/",
        extra={"campaign": 42},
    )
    fields.update(overrides)
    return OutgoingMessage(**fields)


def test_signed_webhook_is_delivered_and_verified_by_the_sink(webhook_sink):
    with make_channel(webhook_sink) as channel:
        result = channel.send(message(webhook_sink.url()))

    assert result.outcome is DeliveryOutcome.DELIVERED
    [received] = webhook_sink.received
    assert received.signature_valid and received.status == 200
    assert received.headers["X-Kepu-Idempotency-Key"] == "c1-p1-webhook"
    assert received.json() == {
        "type": "kepu.article.notice",
        "idempotency_key": "c1-p1-webhook",
        "language": "zh-hans",
        "title": "高血压患者的日常饮食",
        "summary": "心内科医生讲解控盐技巧",
        "url": "https://kp.example.cn/a/hypertension-diet/",
        "unsubscribe_url": "https://kp.example.cn/unsubscribe/tok3n/",
        "extra": {"campaign": 42},
    }
    assert verify_signature(
        webhook_sink.secret, received.headers["X-Kepu-Timestamp"], received.body, received.headers["X-Kepu-Signature"]
    )


def test_sink_rejects_a_tampered_body(webhook_sink):
    make_channel(webhook_sink).send(message(webhook_sink.url()))
    original = webhook_sink.received[0]
    tampered = original.body.replace("高血压".encode(), "低血压".encode())
    headers = {name: original.headers[name] for name in ("X-Kepu-Timestamp", "X-Kepu-Signature", "Content-Type")}

    response = requests.post(webhook_sink.url(), data=tampered, headers=headers, timeout=5)

    assert response.status_code == 401
    assert webhook_sink.received[-1].signature_valid is False
    assert webhook_sink.stats["bad_signature"] == 1


def test_verify_signature_rejects_tampering_replays_and_wrong_secrets():
    secret = "shared-secret-for-partner-x"
    body = json.dumps({"title": "糖尿病饮食"}, ensure_ascii=False).encode()
    now = 1_750_000_000
    signature = sign_webhook(secret, now, body)

    assert verify_signature(secret, str(now), body, signature, now=now + 10)
    assert verify_signature(secret, now, body.decode(), signature.upper(), now=now)  # str body, any hex case
    assert not verify_signature(secret, now, body + b" ", signature, now=now)
    assert not verify_signature(secret, now + 1, body, signature, now=now)
    assert not verify_signature("another-secret-of-16+", now, body, signature, now=now)
    assert not verify_signature(secret, now, body, signature, now=now + 301)  # replay outside tolerance
    assert verify_signature(secret, now, body, signature, tolerance_s=600, now=now + 301)
    assert not verify_signature(secret, "yesterday", body, signature, now=now)
    assert not verify_signature(secret, now, body, "", now=now)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(webhook_sink, status):
    webhook_sink.answer_next(status)
    with pytest.raises(RetryableChannelError) as caught:
        make_channel(webhook_sink, default_retry_after_s=15).send(message(webhook_sink.url()))
    assert caught.value.provider_code == str(status)
    assert caught.value.retry_after == 15


def test_429_honours_retry_after(webhook_sink):
    webhook_sink.answer_next(429, retry_after=7)
    with pytest.raises(RetryableChannelError) as caught:
        make_channel(webhook_sink).send(message(webhook_sink.url()))
    assert caught.value.retry_after == 7


def test_410_gone_marks_the_endpoint_inactive(webhook_sink):
    webhook_sink.answer_next(410)
    with pytest.raises(ContactInactiveError):
        make_channel(webhook_sink).send(message(webhook_sink.url()))


def test_other_client_errors_are_permanent(webhook_sink):
    webhook_sink.answer_next(422)
    with pytest.raises(PermanentChannelError) as caught:
        make_channel(webhook_sink).send(message(webhook_sink.url()))
    assert caught.value.outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert caught.value.provider_code == "422"


def test_wrong_secret_is_a_configuration_error(webhook_sink):
    with pytest.raises(ChannelConfigurationError):
        make_channel(webhook_sink, secret="not-the-partner-secret").send(message(webhook_sink.url()))
    assert webhook_sink.stats["bad_signature"] == 1


def test_seeded_failure_rate_is_reproducible_and_retries_converge():
    keys = [f"c3-p{number}-webhook" for number in range(150)]

    def run(seed: int) -> tuple[set[str], WebhookSink]:
        with WebhookSink("sink-secret-0123456789", failure_rate=0.2, seed=seed) as sink:
            channel = make_channel(sink)
            failed = set()
            for key in keys:
                try:
                    channel.send(message(sink.url(), key=key))
                except RetryableChannelError:
                    failed.add(key)
            pending = set(failed)
            for _ in range(20):  # retry until every key got through once
                for key in sorted(pending):
                    try:
                        channel.send(message(sink.url(), key=key))
                        pending.discard(key)
                    except RetryableChannelError:
                        pass
            assert not pending
            assert sorted(sink.accepted_keys) == sorted(keys)
            assert set(sink.accepted_keys.values()) == {1}
        return failed, sink

    first_failed, first_sink = run(seed=7)
    again_failed, _ = run(seed=7)
    other_failed, _ = run(seed=8)
    assert first_failed == again_failed
    assert first_failed != other_failed
    assert 10 < len(first_failed) < 60  # about 20% of 150
    assert first_sink.stats["injected_failure"] >= len(first_failed)


def test_endpoint_down_is_retryable(closed_port):
    channel = WebhookChannel(WebhookConfig(secret="s" * 16, allow_plain_http=True))
    with pytest.raises(RetryableChannelError) as caught:
        channel.send(message(f"http://127.0.0.1:{closed_port}/hook"))
    assert str(caught.value).startswith(f"webhook http://127.0.0.1:{closed_port}/… unreachable: connection refused")


def test_endpoint_that_never_answers_is_retryable():
    with socket.socket() as silent:  # accepts connections (backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        config = WebhookConfig(secret="s" * 16, allow_plain_http=True, http=HttpSettings(read_timeout_s=0.3))
        with pytest.raises(RetryableChannelError, match="no response within 0.3s"):
            WebhookChannel(config).send(message(f"http://127.0.0.1:{port}/hook"))


def test_plain_http_endpoints_need_an_explicit_opt_in(webhook_sink):
    channel = get_channel("webhook", {"secret": webhook_sink.secret})
    with pytest.raises(PermanentChannelError, match="https"):
        channel.send(message(webhook_sink.url()))
    assert webhook_sink.stats["requests"] == 0


def test_logs_show_only_the_endpoint_host(webhook_sink, caplog):
    caplog.set_level(logging.INFO)
    channel = make_channel(webhook_sink)
    url = webhook_sink.url("/hooks/patient-group-token-93f1")
    channel.send(message(url, key="k-ok"))
    webhook_sink.answer_next(503, path="/hooks/patient-group-token-93f1")
    with pytest.raises(RetryableChannelError) as caught:
        channel.send(message(url, key="k-busy"))

    assert "k-ok" in caplog.text and "k-busy" in caplog.text
    assert "patient-group-token-93f1" not in caplog.text
    assert "patient-group-token-93f1" not in str(caught.value)
