"""The share card of a reading page opened inside WeChat (JS-SDK ``updateAppMessageShareData``).

Shown only when the WeChat channel is a service account set up on the Channels
screen (or in ``KEPU_DISTRIBUTION``): the same client, access token and shared
cache the campaigns use sign the page (``WeChatChannel.jsapi_ticket``). The
signature endpoint signs nothing but the URL of the link's own reading page on
the studio's public address, so it is no signing oracle for other pages; the
URL is neither logged nor stored.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from distribution.campaigns.channel_pool import configured_channel
from distribution.campaigns.configuration import distribution_settings
from distribution.channels import ChannelConfigurationError, WeChatChannel

from .models import ShareLink

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 1024


def share_card_channel() -> WeChatChannel | None:
    """The configured WeChat service account, or None (not set up, or a mini program: no JS-SDK for web pages)."""
    try:
        channel = configured_channel("wechat", distribution_settings()).channel
    except ChannelConfigurationError:
        return None
    except ImproperlyConfigured as exc:  # a broken KEPU_DISTRIBUTION_JSON stops campaigns, not the reading page
        logger.warning("wechat share card off: %s", exc)
        return None
    if not isinstance(channel, WeChatChannel) or channel.config.account_type != "service":
        return None
    return channel


class NotASharePage(ValueError):
    """The URL is not this link's reading page on the studio's public address."""


def checked_page_url(url: str, link: ShareLink) -> str:
    """``url`` when it is the link's reading page (any query: ``?lang=``, or what WeChat appends
    to a shared link, ``from=…&isappinstalled=…``); the JS-SDK signs it without its ``#fragment``."""
    if not url or len(url) > MAX_URL_LENGTH or any(ch.isspace() for ch in url):
        raise NotASharePage("expected the page's URL")
    if "#" in url:
        raise NotASharePage("the URL is signed without its #fragment")
    expected = urlsplit(link.public_url)  # the studio's public address and the link's path
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed port or host
        raise NotASharePage("not a URL") from None
    if (
        (parts.scheme.lower(), (parts.hostname or ""), port)
        != (expected.scheme.lower(), expected.hostname, expected.port)
        or parts.username
        or parts.password
    ):
        raise NotASharePage("not the studio's public address")
    if parts.path != expected.path:
        raise NotASharePage("not this link's reading page")
    return url
