"""Channel settings edited in the admin, per site, with the environment still able to override.

Each site has one ``ChannelSettings`` row (a Wagtail site setting). Its
enabled channels become the ``channels`` part of the distribution settings,
in the same shape ``KEPU_DISTRIBUTION['channels']`` has; a kind configured
in ``KEPU_DISTRIBUTION`` / ``KEPU_DISTRIBUTION_JSON`` wins over the admin
for that kind, so an operator can pin a channel from the deployment.

Credentials are write-only in the admin: the form shows whether one is set
and takes a replacement, never the stored value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Site

from distribution.patients.models import CHANNEL_CHOICES

from .configuration import distribution_settings

__all__ = [
    "ChannelSettings",
    "SECRET_FIELDS",
    "admin_channel_configs",
    "effective_channel_configs",
    "environment_channel_kinds",
    "configured_channel_kinds",
]

# In an approved SMS text, the fixed link part written before the link's variable: "阅读 https://kp.cn/s/{2}".
_LINK_BEFORE_VARIABLE = re.compile(r"(https?://\S*?)\{2\}")

# Per kind, the model fields holding credentials (write-only in the admin).
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "wechat": ("wechat_app_secret", "wechat_push_token", "wechat_encoding_aes_key"),
    "sms": ("sms_secret_key", "sms_token", "sms_callback_token"),
    "email": ("email_password",),
    "webhook": ("webhook_secret",),
}


class ChannelSettings(BaseSiteSetting):
    email_enabled = models.BooleanField(_("send e-mail"), default=False)
    email_transport = models.CharField(
        _("how e-mail leaves the studio"),
        max_length=10,
        default="smtp",
        choices=[("smtp", _("Through an SMTP relay")), ("console", _("Printed on the worker's console (trying out)"))],
    )
    email_from_address = models.CharField(
        _("sender"), max_length=200, blank=True, help_text=_("For example: 科普工作室 <kepu@hospital.example.cn>")
    )
    email_host = models.CharField(_("SMTP host"), max_length=200, blank=True)
    email_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    email_security = models.CharField(
        _("connection security"),
        max_length=10,
        default="starttls",
        choices=[("starttls", "STARTTLS"), ("ssl", "SSL/TLS"), ("none", _("None"))],
    )
    email_username = models.CharField(_("SMTP user name"), max_length=200, blank=True)
    email_password = models.CharField(_("SMTP password"), max_length=500, blank=True)
    email_reply_to = models.CharField(_("reply-to address"), max_length=200, blank=True)

    webhook_enabled = models.BooleanField(_("send webhooks"), default=False)
    webhook_endpoint = models.URLField(
        _("endpoint"),
        max_length=500,
        blank=True,
        help_text=_("Where the hospital system receives notices (https://…)."),
    )
    webhook_secret = models.CharField(
        _("signing secret"),
        max_length=500,
        blank=True,
        help_text=_("Shared with the receiving system; at least 16 characters."),
    )
    webhook_allow_plain_http = models.BooleanField(
        _("allow plain http"), default=False, help_text=_("Only for an endpoint inside the hospital network.")
    )

    wechat_enabled = models.BooleanField(_("send WeChat messages"), default=False)
    wechat_account_type = models.CharField(
        _("account"),
        max_length=12,
        default="service",
        choices=[("service", _("Service account (公众号)")), ("miniprogram", _("Mini program (小程序)"))],
    )
    wechat_message_kind = models.CharField(
        _("how patients are reached"),
        max_length=10,
        default="template",
        choices=[
            ("template", _("Template messages (service account)")),
            ("subscribe", _("Subscribe messages (订阅通知, shown under 服务通知)")),
        ],
        help_text=_("A mini program can only send subscribe messages; each patient must subscribe first."),
    )
    wechat_app_id = models.CharField(_("AppID"), max_length=100, blank=True)
    wechat_app_secret = models.CharField(_("AppSecret"), max_length=500, blank=True)
    wechat_template_id = models.CharField(_("template ID"), max_length=200, blank=True)
    wechat_miniprogram_page = models.CharField(
        _("mini program page"),
        max_length=200,
        blank=True,
        help_text=_("The page that shows an article, for example pages/article/index (it gets the link as url=)."),
    )
    wechat_miniprogram_app_id = models.CharField(
        _("mini program AppID"),
        max_length=100,
        blank=True,
        help_text=_("Service account only: open this mini program's page instead of the web page."),
    )
    wechat_push_token = models.CharField(
        _("message push Token"),
        max_length=100,
        blank=True,
        help_text=_("The Token of the server configuration (服务器配置): delivery receipts are checked with it."),
    )
    wechat_encoding_aes_key = models.CharField(
        _("EncodingAESKey"),
        max_length=43,
        blank=True,
        help_text=_("Only for the safe mode (安全模式): the 43 characters shown in the server configuration."),
    )
    wechat_api_base = models.URLField(_("API address"), max_length=300, default="https://api.weixin.qq.com")

    sms_enabled = models.BooleanField(_("send text messages"), default=False)
    sms_secret_id = models.CharField(_("SecretId"), max_length=200, blank=True)
    sms_secret_key = models.CharField(_("SecretKey"), max_length=500, blank=True)
    sms_token = models.CharField(
        _("session token (temporary credentials)"),
        max_length=4000,
        blank=True,
        help_text=_(
            "Only for a temporary SecretId and SecretKey from STS: the token issued with them. "
            "Typing another SecretId without a token clears it."
        ),
    )
    sms_sdk_app_id = models.CharField(_("SMS SdkAppId"), max_length=100, blank=True)
    sms_sign_name = models.CharField(
        _("signature"), max_length=40, blank=True, help_text=_("The approved signature shown as 【…】.")
    )
    sms_template_id_zh = models.CharField(_("Chinese template ID"), max_length=40, blank=True)
    sms_template_text_zh = models.CharField(
        _("Chinese template text"),
        max_length=300,
        blank=True,
        help_text=_(
            "Exactly as approved, with {1} for the title and {2} for the link. Tencent forbids links in "
            "variables: write the link's fixed part before {2}, e.g. https://kp.example.cn/s/{2}."
        ),
    )
    sms_template_id_en = models.CharField(_("English template ID"), max_length=40, blank=True)
    sms_template_text_en = models.CharField(_("English template text"), max_length=300, blank=True)
    # Tencent approves verification-code (验证码) templates separately; the join page's one-time codes use them.
    sms_verification_template_id_zh = models.CharField(
        _("Chinese verification-code template ID"), max_length=40, blank=True
    )
    sms_verification_template_text_zh = models.CharField(
        _("Chinese verification-code template text"),
        max_length=300,
        blank=True,
        help_text=_(
            "Exactly as approved, with {1} for the code, e.g. 您的验证码为{1}，5分钟内有效。如非本人操作，请忽略。"
        ),
    )
    sms_verification_template_id_en = models.CharField(
        _("English verification-code template ID"), max_length=40, blank=True
    )
    sms_verification_template_text_en = models.CharField(
        _("English verification-code template text"), max_length=300, blank=True
    )
    sms_api_base = models.URLField(_("API address"), max_length=300, default="https://sms.tencentcloudapi.com")
    sms_callback_token = models.CharField(
        _("status report key"),
        max_length=100,
        blank=True,
        help_text=_(
            "A random text of at least 16 characters; it is part of the status report address given to "
            "Tencent Cloud. Without it, status reports are pulled every minute instead."
        ),
    )

    # {kind: {"at": ISO time, "ok": bool, "detail": text}}: the last "send a test message" per channel.
    test_results = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("channels")
        verbose_name_plural = _("channels")

    def is_enabled(self, kind: str) -> bool:
        return bool(getattr(self, f"{kind}_enabled"))

    def secret_is_set(self, field_name: str) -> bool:
        return bool(getattr(self, field_name))

    def channel_config(self, kind: str) -> dict[str, Any] | None:
        """The kind's options as the channel's config dataclass takes them, or None when it is off."""
        if not self.is_enabled(kind):
            return None
        if kind == "email":
            config = {"from_address": self.email_from_address, "transport": self.email_transport}
            if self.email_transport == "smtp":
                config.update(
                    host=self.email_host,
                    port=self.email_port,
                    security=self.email_security,
                    username=self.email_username,
                    password=self.email_password,
                )
            if self.email_reply_to:
                config["reply_to"] = self.email_reply_to
            return config
        if kind == "webhook":
            return {
                "endpoint": self.webhook_endpoint,
                "secret": self.webhook_secret,
                "allow_plain_http": self.webhook_allow_plain_http,
            }
        if kind == "wechat":
            return {
                "app_id": self.wechat_app_id,
                "app_secret": self.wechat_app_secret,
                "template_id": self.wechat_template_id,
                "api_base": self.wechat_api_base,
                "account_type": self.wechat_account_type,
                "message_kind": self.wechat_message_kind,
                "miniprogram_page": self.wechat_miniprogram_page,
                "miniprogram_app_id": self.wechat_miniprogram_app_id,
                "push_token": self.wechat_push_token,
                "encoding_aes_key": self.wechat_encoding_aes_key,
            }
        if kind == "sms":
            templates = {}
            for language, template_id, text in (
                ("zh-hans", self.sms_template_id_zh, self.sms_template_text_zh),
                ("en", self.sms_template_id_en, self.sms_template_text_en),
            ):
                if template_id or text:
                    templates[language] = {
                        "template_id": template_id,
                        "text": text,
                        "params": ["title", "url"],
                        "sign_name": self.sms_sign_name,
                    }
                    if prefix := _LINK_BEFORE_VARIABLE.search(text):  # Tencent forbids URLs in variables
                        templates[language].update(params=["title", "url_path"], link_prefix=prefix.group(1))
            verification = {
                language: {
                    "template_id": template_id,
                    "text": text,
                    "params": ["code"],
                    "sign_name": self.sms_sign_name,
                }
                for language, template_id, text in (
                    ("zh-hans", self.sms_verification_template_id_zh, self.sms_verification_template_text_zh),
                    ("en", self.sms_verification_template_id_en, self.sms_verification_template_text_en),
                )
                if template_id or text
            }
            return {
                "secret_id": self.sms_secret_id,
                "secret_key": self.sms_secret_key,
                "token": self.sms_token,
                "sdk_app_id": self.sms_sdk_app_id,
                "templates": templates,
                "api_base": self.sms_api_base,
                "callback_token": self.sms_callback_token,
                "verification_templates": verification,
            }
        raise ValueError(f"unknown channel kind {kind!r}")


CHANNEL_KINDS = [kind for kind, _label in CHANNEL_CHOICES]


def _site(site: Site | int | None) -> Site | None:
    if isinstance(site, Site):
        return site
    if site is not None:
        return Site.objects.filter(pk=site).first()
    return Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("pk").first()


def admin_channel_configs(site: Site | int | None = None) -> dict[str, dict[str, Any]]:
    """The channels switched on in the admin for ``site`` (default: the default site)."""
    site = _site(site)
    if site is None:
        return {}
    row = ChannelSettings.objects.filter(site=site).first()
    if row is None:
        return {}
    return {kind: config for kind in CHANNEL_KINDS if (config := row.channel_config(kind)) is not None}


def environment_channel_kinds(environment_channels: Mapping[str, Any]) -> set[str]:
    return {kind for kind, config in environment_channels.items() if config}


def effective_channel_configs(
    environment_channels: Mapping[str, Any], site: Site | int | None = None
) -> dict[str, dict[str, Any]]:
    """The admin's channels for ``site`` with the environment's kinds laid over them."""
    merged = admin_channel_configs(site)
    merged.update({kind: dict(config) for kind, config in environment_channels.items() if config})
    return merged


def configured_channel_kinds(site: Site | int | None = None) -> list[str]:
    """Kinds a campaign may use now (in the order of CHANNEL_CHOICES)."""
    configured = effective_channel_configs(distribution_settings().channels, site)
    return [kind for kind in CHANNEL_KINDS if kind in configured]
