"""E-mail over SMTP against a local aiosmtpd server."""

from __future__ import annotations

import logging

import pytest

from distribution.campaigns.message_content import notice_wording
from distribution.channels import (
    ChannelConfigurationError,
    DeliveryOutcome,
    EmailChannel,
    EmailConfig,
    OutgoingMessage,
    PermanentChannelError,
    RetryableChannelError,
    get_channel,
)

ADDRESS = "zhang.wei@patient-mail.example.cn"


def make_config(server, **overrides) -> EmailConfig:
    fields = dict(
        from_address="科普工作室 <kepu@hospital.example.cn>",
        host=server.host,
        port=server.port,
        security="none",
        timeout_s=5,
    )
    fields.update(overrides)
    return EmailConfig(**fields)


def message(key="c1-p1-email", address=ADDRESS, **overrides) -> OutgoingMessage:
    fields = dict(
        idempotency_key=key,
        address=address,
        title="高血压患者的日常饮食",
        summary="心内科医生讲解控盐技巧 <少盐> & 多菜",
        url="https://kp.example.cn/a/hypertension-diet/",
        unsubscribe_url="https://kp.example.cn/unsubscribe/tok3n/",
    )
    fields.update(overrides)
    return OutgoingMessage(**fields)


def test_email_arrives_with_text_and_html_parts_and_unsubscribe_headers(smtp_server):
    # The wording the studio's channel pool gives the channel: the zh-Hans catalogue's, by the patient's language.
    with EmailChannel(make_config(smtp_server), wording=notice_wording) as channel:
        result = channel.send(message())

    assert result.outcome is DeliveryOutcome.ACCEPTED
    [received] = smtp_server.messages
    email = received.message
    assert received.rcpt_tos == (ADDRESS,)
    assert received.mail_from == "kepu@hospital.example.cn"
    assert email["Subject"] == "高血压患者的日常饮食"
    assert email["List-Unsubscribe"] == "<https://kp.example.cn/unsubscribe/tok3n/>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["Message-ID"] == result.provider_message_id
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "https://kp.example.cn/a/hypertension-diet/" in text
    assert "阅读全文" in text and "退订" in text
    assert '<a href="https://kp.example.cn/a/hypertension-diet/">' in html
    assert "&lt;少盐&gt; &amp; 多菜" in html  # content is escaped, not injected
    assert '<html lang="zh-Hans">' in html


def test_english_message_uses_english_wording(smtp_server):
    EmailChannel(make_config(smtp_server), wording=notice_wording).send(
        message(language="en", title="Eating well with high blood pressure")
    )
    text = smtp_server.messages[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "Read the article: https://kp.example.cn/a/hypertension-diet/" in text
    assert "Unsubscribe" in text


def test_retry_carries_the_same_message_id(smtp_server):
    channel = EmailChannel(make_config(smtp_server))
    first = channel.send(message(key="c7-p7-email"))
    second = channel.send(message(key="c7-p7-email"))
    other = channel.send(message(key="c7-p8-email"))

    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert ids[0] == ids[1] == first.provider_message_id == second.provider_message_id
    assert ids[2] == other.provider_message_id != ids[0]
    assert ids[0].endswith("@hospital.example.cn>")
    assert "c7-p7" not in ids[0]  # derived from the key, without exposing it


def test_connection_is_reused_between_messages(smtp_server):
    channel = EmailChannel(make_config(smtp_server))
    for number in range(3):
        channel.send(message(key=f"k-{number}"))
    channel.close()
    assert len(smtp_server.messages) == 3
    assert smtp_server.connections == 1


def test_closed_connection_is_reopened_transparently(smtp_server):
    channel = EmailChannel(make_config(smtp_server))
    channel.send(message(key="k-1"))
    channel._connection.sock.close()  # the relay dropped our idle connection
    assert channel.send(message(key="k-2")).outcome is DeliveryOutcome.ACCEPTED
    assert len(smtp_server.messages) == 2


def test_refused_recipient_is_permanent(smtp_server):
    smtp_server.rejected.add(ADDRESS)
    with pytest.raises(PermanentChannelError) as caught:
        EmailChannel(make_config(smtp_server)).send(message())
    assert caught.value.provider_code == "550"
    assert smtp_server.messages == []


def test_greylisting_is_retryable_and_the_connection_stays_usable(smtp_server):
    channel = EmailChannel(make_config(smtp_server))
    smtp_server.defer_next()
    with pytest.raises(RetryableChannelError) as caught:
        channel.send(message(key="k-1"))
    assert caught.value.provider_code == "451"
    assert channel.send(message(key="k-1")).outcome is DeliveryOutcome.ACCEPTED


def test_missing_unsubscribe_url_is_refused():
    config = EmailConfig(from_address="kepu@hospital.example.cn", port=2525, security="none")
    with pytest.raises(PermanentChannelError, match="unsubscribe_url"):
        EmailChannel(config).send(message(unsubscribe_url=""))


def test_invalid_recipient_address_is_permanent(smtp_server):
    with pytest.raises(PermanentChannelError) as caught:
        EmailChannel(make_config(smtp_server)).send(message(address="not an address@@x"))
    assert "not an address" not in str(caught.value)
    assert smtp_server.messages == []


def test_starttls_required_but_unsupported_is_a_configuration_error(smtp_server):
    with pytest.raises(ChannelConfigurationError, match="STARTTLS"):
        EmailChannel(make_config(smtp_server, security="starttls")).send(message())


def test_relay_down_is_retryable(closed_port):
    config = EmailConfig(from_address="kepu@hospital.example.cn", host="127.0.0.1", port=closed_port, security="none")
    with pytest.raises(RetryableChannelError) as caught:
        get_channel("email", config).send(message())
    assert f"SMTP relay 127.0.0.1:{closed_port} unreachable: connection refused" in str(caught.value)


def test_logs_and_errors_never_contain_the_address(smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    channel = EmailChannel(make_config(smtp_server))
    channel.send(message(key="k-ok"))
    smtp_server.rejected.add(ADDRESS)
    with pytest.raises(PermanentChannelError) as caught:
        channel.send(message(key="k-refused"))

    # aiosmtpd's own "mail.log" lines belong to the fake relay, a third-party system here.
    our_log = "\n".join(
        f"{record.name} {record.getMessage()}" for record in caplog.records if not record.name.startswith("mail.log")
    )
    assert "k-ok" in our_log and "k-refused" in our_log
    assert "z***@p***.cn" in our_log
    assert ADDRESS not in our_log
    assert ADDRESS not in str(caught.value)


def test_credentials_are_never_sent_without_tls():
    with pytest.raises(ValueError, match="without TLS"):
        EmailConfig(from_address="kepu@hospital.example.cn", security="none", username="kepu", password="pw")
