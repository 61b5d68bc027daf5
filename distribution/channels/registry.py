"""Build a channel from its kind name and configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .base import Channel
from .sms import SmsChannel, SmsConfig
from .smtp_email import EmailChannel, EmailConfig
from .webhook import WebhookChannel, WebhookConfig
from .wechat import WeChatChannel, WeChatConfig

__all__ = ["CHANNEL_KINDS", "get_channel"]

_CHANNELS: dict[str, tuple[Callable[..., Channel], type]] = {
    "wechat": (WeChatChannel, WeChatConfig),
    "sms": (SmsChannel, SmsConfig),
    "email": (EmailChannel, EmailConfig),
    "webhook": (WebhookChannel, WebhookConfig),
}
CHANNEL_KINDS = tuple(_CHANNELS)


def get_channel(kind: str, config: Any, **options: Any) -> Channel:
    """A channel of ``kind`` ("wechat", "sms", "email", "webhook").

    ``config`` is the kind's config dataclass or a mapping of its fields (as
    read from settings). ``options`` go to the channel's constructor (for
    example a shared ``session`` or a Django ``token_cache``).
    """
    try:
        channel_class, config_class = _CHANNELS[kind]
    except KeyError:
        raise ValueError(f"unknown channel kind {kind!r}; expected one of {', '.join(CHANNEL_KINDS)}") from None
    if isinstance(config, Mapping):
        try:
            config = config_class(**config)
        except TypeError as exc:
            raise ValueError(f"invalid {kind} channel configuration: {exc}") from None
    elif not isinstance(config, config_class):
        raise TypeError(f"{kind} channel needs a {config_class.__name__}, got {type(config).__name__}")
    return channel_class(config, **options)
