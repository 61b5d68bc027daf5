"""Channel clients of the distribution app: WeChat, SMS, e-mail and signed webhooks.

Plain Python with no Django models: the delivery ledger calls
``get_channel(kind, config).send(OutgoingMessage(...))`` and records the
``SendResult`` or the exception's ``outcome``.
"""

from .base import Channel, HttpSettings
from .errors import (
    ChannelConfigurationError,
    ChannelError,
    ContactInactiveError,
    PermanentChannelError,
    RetryableChannelError,
)
from .masking import mask_address
from .messages import DeliveryOutcome, OutgoingMessage, SendResult
from .registry import CHANNEL_KINDS, get_channel
from .sms import SmsChannel, SmsConfig, SmsTemplate
from .smtp_email import EmailBody, EmailChannel, EmailConfig, NoticeWording, render_notice_email
from .webhook import WebhookChannel, WebhookConfig, sign_webhook, verify_signature
from .wechat import WeChatChannel, WeChatConfig

__all__ = [
    "CHANNEL_KINDS",
    "Channel",
    "ChannelConfigurationError",
    "ChannelError",
    "ContactInactiveError",
    "DeliveryOutcome",
    "EmailBody",
    "EmailChannel",
    "EmailConfig",
    "HttpSettings",
    "OutgoingMessage",
    "PermanentChannelError",
    "RetryableChannelError",
    "SendResult",
    "SmsChannel",
    "SmsConfig",
    "SmsTemplate",
    "WeChatChannel",
    "WeChatConfig",
    "WebhookChannel",
    "WebhookConfig",
    "get_channel",
    "mask_address",
    "NoticeWording",
    "render_notice_email",
    "sign_webhook",
    "verify_signature",
]
