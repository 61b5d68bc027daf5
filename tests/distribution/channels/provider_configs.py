"""The SMS and WeChat configurations and messages the channel tests send through the local fake providers."""

from __future__ import annotations

from distribution.channels import OutgoingMessage, SmsConfig, SmsTemplate, WeChatConfig
from distribution.channels.base import HttpSettings

LINK_PREFIX = "https://kp.example.cn/s/"
SHORT_LINK = LINK_PREFIX + "Ab3xY9"
OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz12"


def wechat_config(server, **overrides) -> WeChatConfig:
    fields = dict(
        app_id=server.app_id,
        app_secret=server.app_secret,
        template_id="tmpl-new-article",
        template_fields={"thing1": "title", "thing2": "summary", "thing3": "text:科普工作室"},
        api_base=server.base_url,
        http=HttpSettings(connect_timeout_s=2, read_timeout_s=5),
    )
    fields.update(overrides)
    return WeChatConfig(**fields)


def wechat_message(key: str = "c1-p1-wechat", openid: str = OPENID, **overrides) -> OutgoingMessage:
    fields = dict(
        idempotency_key=key,
        address=openid,
        title="高血压患者的日常饮食：少盐多菜，规律监测血压",
        summary="心内科医生讲解控盐技巧",
        url="https://kp.example.cn/a/hypertension-diet/",
    )
    fields.update(overrides)
    return OutgoingMessage(**fields)


def sms_config(server, **overrides) -> SmsConfig:
    fields = dict(
        secret_id=server.secret_id,
        secret_key=server.secret_key,
        sdk_app_id=server.sdk_app_id,
        templates={
            "zh-hans": SmsTemplate(
                "1760001", server.templates["1760001"], ("title", "url_path"), "科普工作室", LINK_PREFIX
            ),
            "en": SmsTemplate("1760002", server.templates["1760002"], ("title", "url_path"), "", LINK_PREFIX),
        },
        api_base=server.base_url,
    )
    fields.update(overrides)
    return SmsConfig(**fields)
