"""SMS through Tencent Cloud SMS (API 2021-01-11, ``SendSms``), signed with TC3-HMAC-SHA256.

The request is a JSON POST to ``https://sms.tencentcloudapi.com/`` with the
action, version, region and timestamp in ``X-TC-*`` headers and an
``Authorization`` header derived from the secret key (the key itself never
leaves the process). Temporary credentials from Tencent's STS add their
session token as ``X-TC-Token``, as the official SDK sends it. The phone number
travels only in the body. Error codes are classed in ``sms_errors``.

Texts are pre-approved templates with positional variables ``{1}``, ``{2}``…
Tencent forbids URLs inside variables, so a template normally carries the
short-link host in its fixed text (``…阅读 https://kp.example.cn/s/{2} 回T退订``)
and the variable is the short code: ``params=("title", "url_path")`` with
``link_prefix="https://kp.example.cn/s/"``. The channel renders the final text
locally to keep it within ``max_segments`` parts, shortening only the title.

Tencent does not de-duplicate SMS: the idempotency key is sent as
``SessionContext`` (echoed in delivery receipts) and the delivery ledger must
prevent double sends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from .base import HttpChannel, HttpSettings, request_or_retryable
from .errors import ChannelConfigurationError, PermanentChannelError, RetryableChannelError
from .masking import mask_address, redact
from .messages import DeliveryOutcome, OutgoingMessage, SendResult
from .phone_numbers import InvalidMobileNumber, normalize_mobile_number
from .sms_errors import classify_sms_error
from .sms_text import SmsLength, SmsTooLongError, fit_title, measure_sms

__all__ = ["SmsTemplate", "SmsConfig", "SmsChannel", "VERIFICATION_CODE", "tc3_authorization"]

logger = logging.getLogger(__name__)

SERVICE = "sms"
ACTION = "SendSms"
API_VERSION = "2021-01-11"
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_PARAM_SOURCES = ("title", "url", "url_path", "code")
# A message carrying this key in ``OutgoingMessage.extra`` is a one-time verification code: it is sent with
# the language's verification template (approved separately, as Tencent requires for 验证码 texts).
VERIFICATION_CODE = "verification_code"


@dataclass(frozen=True)
class SmsTemplate:
    """An approved template: its id, its text exactly as approved, and what fills each variable."""

    template_id: str
    text: str
    params: tuple[str, ...] = ("title", "url_path")
    sign_name: str = ""  # shown as 【sign_name】 before the text; counted in the length
    link_prefix: str = ""  # the fixed link part written in ``text`` when a param is "url_path"

    def __post_init__(self) -> None:
        if not self.template_id or not self.text:
            raise ValueError("SmsTemplate needs a template_id and its approved text")
        object.__setattr__(self, "params", tuple(self.params))
        for source in self.params:
            if source not in _PARAM_SOURCES:
                raise ValueError(f"SmsTemplate param {source!r} must be one of {', '.join(_PARAM_SOURCES)}")
        positions = sorted({int(number) for number in _PLACEHOLDER.findall(self.text)})
        if positions != list(range(1, len(self.params) + 1)):
            raise ValueError(
                f"template {self.template_id}: placeholders {positions} do not match "
                f"{len(self.params)} params (expected {{1}}..{{{len(self.params)}}})"
            )
        if "code" in self.params:
            if len(self.params) != 1:
                raise ValueError(f"template {self.template_id}: a verification template has only the code")
            return
        if "title" not in self.params:
            raise ValueError(f"template {self.template_id}: one param must be the title")
        if not {"url", "url_path"} & set(self.params):
            raise ValueError(f"template {self.template_id}: one param must carry the link (url or url_path)")
        if "url_path" in self.params and not self.link_prefix:
            raise ValueError(f"template {self.template_id}: 'url_path' needs link_prefix")
        if self.link_prefix and self.link_prefix not in self.text:
            raise ValueError(f"template {self.template_id}: link_prefix must appear in the template text")

    def render(self, values: Mapping[str, str]) -> str:
        """The complete text the recipient sees, signature included."""
        text = _PLACEHOLDER.sub(lambda match: values[self.params[int(match.group(1)) - 1]], self.text)
        return f"【{self.sign_name}】{text}" if self.sign_name else text


@dataclass(frozen=True)
class SmsConfig:
    """Tencent Cloud credentials, SMS application and one template per language."""

    secret_id: str
    secret_key: str
    sdk_app_id: str
    templates: Mapping[str, SmsTemplate]
    token: str = ""  # temporary credentials (STS): the session token, sent as X-TC-Token with their SecretId/Key
    default_language: str = "zh-hans"
    api_base: str = "https://sms.tencentcloudapi.com"
    region: str = "ap-guangzhou"
    max_segments: int = 3  # cap on billed parts per message; the title is shortened to fit
    max_param_chars: int | None = None  # per-variable limit of the account, if any
    default_country_code: str = "86"
    verification_templates: Mapping[str, SmsTemplate] = field(default_factory=dict)  # params ("code",)
    http: HttpSettings = field(default_factory=HttpSettings)
    callback_token: str = ""  # in the status-report address (sms_receipts.py); empty: reports are pulled

    def __post_init__(self) -> None:
        for name in ("secret_id", "secret_key", "sdk_app_id"):
            if not getattr(self, name):
                raise ValueError(f"SmsConfig.{name} must not be empty")
        templates = {
            language: template if isinstance(template, SmsTemplate) else SmsTemplate(**template)
            for language, template in dict(self.templates).items()
        }
        if self.default_language not in templates:
            raise ValueError(f"SmsConfig.templates has no template for default language {self.default_language!r}")
        if self.max_segments < 1:
            raise ValueError("SmsConfig.max_segments must be at least 1")
        if self.max_param_chars is not None and self.max_param_chars < 2:
            raise ValueError("SmsConfig.max_param_chars must be at least 2")
        if not self.default_country_code.isdigit():
            raise ValueError("SmsConfig.default_country_code must be digits, e.g. '86'")
        if not self.api_base.startswith(("https://", "http://")):
            raise ValueError("SmsConfig.api_base must be an http(s) URL")
        object.__setattr__(self, "templates", MappingProxyType(templates))
        verification = {
            language: template if isinstance(template, SmsTemplate) else SmsTemplate(**template)
            for language, template in dict(self.verification_templates).items()
        }
        for language, template in verification.items():
            if template.params != ("code",):
                raise ValueError(f"SmsConfig.verification_templates[{language!r}] must have params ['code']")
        if verification and self.default_language not in verification:
            raise ValueError(f"SmsConfig.verification_templates has no template for {self.default_language!r}")
        object.__setattr__(self, "verification_templates", MappingProxyType(verification))
        object.__setattr__(self, "api_base", self.api_base.rstrip("/"))
        if isinstance(self.http, Mapping):
            object.__setattr__(self, "http", HttpSettings(**self.http))

    def template_for(self, language: str) -> SmsTemplate:
        return self.templates.get(language) or self.templates[self.default_language]

    def verification_template_for(self, language: str) -> SmsTemplate:
        if not self.verification_templates:
            raise ChannelConfigurationError("no SMS verification-code template is set up (verification_templates)")
        return self.verification_templates.get(language) or self.verification_templates[self.default_language]

    def __repr__(self) -> str:
        return (
            f"SmsConfig(secret_id={self.secret_id!r}, secret_key='***', token={'***' if self.token else ''!r}, "
            f"sdk_app_id={self.sdk_app_id!r}, api_base={self.api_base!r})"
        )


@dataclass(frozen=True)
class ComposedSms:
    text: str  # as the recipient sees it
    params: tuple[str, ...]  # TemplateParamSet
    length: SmsLength


class SmsChannel(HttpChannel[SmsConfig]):
    """Text messages with the article title and its short link."""

    kind: ClassVar[str] = "sms"

    def compose(self, message: OutgoingMessage) -> ComposedSms:
        """The text and template variables for ``message`` within the segment cap."""
        code = message.extra.get(VERIFICATION_CODE)
        if code is not None:
            template = self.config.verification_template_for(message.language)
            text = template.render({"code": str(code)})
            return ComposedSms(text=text, params=(str(code),), length=measure_sms(text))
        template = self.config.template_for(message.language)
        link_values = {"url": message.url}
        if "url_path" in template.params:
            if not message.url.startswith(template.link_prefix):
                raise PermanentChannelError(
                    f"link {message.url} does not start with the prefix {template.link_prefix} "
                    f"approved in SMS template {template.template_id}"
                )
            link_values["url_path"] = message.url.removeprefix(template.link_prefix)
        limit = self.config.max_param_chars
        for source, value in link_values.items():
            if source in template.params and limit is not None and len(value) > limit:
                raise PermanentChannelError(
                    f"the link part ({len(value)} characters) exceeds the {limit}-character variable limit"
                )
        title = message.title
        if limit is not None and len(" ".join(title.split())) > limit:
            title = " ".join(title.split())[: limit - 1] + "…"
        try:
            title, length = fit_title(
                lambda candidate: template.render({"title": candidate, **link_values}),
                title,
                self.config.max_segments,
            )
        except SmsTooLongError as exc:
            raise PermanentChannelError(f"SMS template {template.template_id}: {exc}") from None
        values = {"title": title, **link_values}
        return ComposedSms(
            text=template.render(values),
            params=tuple(values[source] for source in template.params),
            length=length,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            phone = normalize_mobile_number(message.address, self.config.default_country_code)
        except InvalidMobileNumber as exc:
            raise PermanentChannelError(f"recipient phone number is {exc}") from None
        composed = self.compose(message)
        if VERIFICATION_CODE in message.extra:
            template = self.config.verification_template_for(message.language)
        else:
            template = self.config.template_for(message.language)
        body: dict[str, Any] = {
            "PhoneNumberSet": [phone],
            "SmsSdkAppId": self.config.sdk_app_id,
            "TemplateId": template.template_id,
            "TemplateParamSet": list(composed.params),
            "SessionContext": message.idempotency_key,
        }
        if template.sign_name:
            body["SignName"] = template.sign_name
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(self._clock())
        host = urlsplit(self.config.api_base).netloc
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": ACTION,
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.config.region,
            "X-TC-Timestamp": str(timestamp),
        }
        if self.config.token:
            headers["X-TC-Token"] = self.config.token
        headers["Authorization"] = tc3_authorization(
            secret_id=self.config.secret_id,
            secret_key=self.config.secret_key,
            host=host,
            payload=payload,
            timestamp=timestamp,
            content_type=headers["Content-Type"],
            action=ACTION,
        )
        response = request_or_retryable(
            self._session,
            "POST",
            f"{self.config.api_base}/",
            service="SMS API",
            settings=self.config.http,
            data=payload,
            headers=headers,
        )
        return self._result(response, message, phone, composed)

    def _result(
        self, response: requests.Response, message: OutgoingMessage, phone: str, composed: ComposedSms
    ) -> SendResult:
        to = mask_address("sms", phone)
        if response.status_code != 200:
            raise RetryableChannelError(
                f"SMS API answered HTTP {response.status_code}", 10.0, provider_code=f"http-{response.status_code}"
            )
        try:
            answer = response.json()["Response"]
        except (ValueError, KeyError, TypeError):
            raise RetryableChannelError("SMS API answered with an unexpected body", 10.0) from None
        error = answer.get("Error")
        if error:
            code, text = str(error.get("Code", "")), str(error.get("Message", ""))
        else:
            statuses = answer.get("SendStatusSet") or [{}]
            status = statuses[0]
            code, text = str(status.get("Code", "")), str(status.get("Message", ""))
            if code == "Ok":
                serial = str(status.get("SerialNo", ""))
                segments = int(status.get("Fee") or composed.length.segments)
                logger.info(
                    "sms accepted key=%s to=%s serial=%s parts=%d", message.idempotency_key, to, serial, segments
                )
                return SendResult(
                    DeliveryOutcome.ACCEPTED,
                    provider_message_id=serial,
                    detail=f"accepted, {segments} part(s) billed",
                    segments=segments,
                )
        logger.warning("sms failed key=%s to=%s code=%s", message.idempotency_key, to, code)
        raise classify_sms_error(code, redact(text, phone, message.address, phone.lstrip("+")))


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    payload: bytes,
    timestamp: int,
    content_type: str,
    action: str,
    service: str = SERVICE,
) -> str:
    """The ``Authorization`` header of Tencent Cloud API signature v3 (TC3-HMAC-SHA256)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n",
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )

    def _hmac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing_key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
