"""A local stand-in for Tencent Cloud SMS (``SendSms``, API version 2021-01-11).

It checks the TC3-HMAC-SHA256 signature the way the real endpoint does
(rebuilding the canonical request from the headers the client says it
signed), validates the request against its own list of approved templates,
renders the text the recipient would see, and answers in Tencent's JSON
shape, including per-number status codes. The signature check and the
segment count here are written independently of the channel code, so a bug
there is not mirrored here.

Like the real service it refuses a missing or wrong STS token
(``AuthFailure.TokenFailure``), numbers no carrier issued (libphonenumber's
ranges), countries the account does not send to
(``LimitExceeded.AppCountryOrRegionInBlacklist``), unknown template ids and
more than 200 numbers per request.

Switches: ``blacklisted`` numbers (FailedOperation.PhoneNumberInBlacklist),
``fail_next(code)`` for per-number codes (e.g. LimitExceeded.*),
``fail_next_request(code)`` for request-level errors, and a seeded random
``error_rate`` over ``error_codes``.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import phonenumbers

from .local_http import KeepAliveHandler, LocalHttpFake
from .tencent_cloud import tc3_request_error, tencent_error

__all__ = ["FakeSmsServer", "SentSms", "EXAMPLE_TEMPLATES"]

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str  # as the handset shows it, signature included
    params: tuple[str, ...]
    template_id: str
    session_context: str
    serial_no: str
    fee: int  # parts billed


class _Handler(KeepAliveHandler):
    def do_POST(self) -> None:  # noqa: N802
        answer = self.server.fake._handle(self.command, self.path, self.headers, self.read_body())
        self.write_json(200, {"Response": answer})  # Tencent reports errors in the body with HTTP 200


def billed_parts(text: str) -> int:
    """Parts billed for ``text``: 70/67 characters when any is non-GSM, else 160/153."""
    if all(ch in _GSM7 for ch in text):
        return 1 if len(text) <= 160 else -(-len(text) // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


# The approved templates of the fake account (like a provider sandbox): Chinese and English.
EXAMPLE_TEMPLATES: Mapping[str, str] = {
    "1760001": "新科普《{1}》已发布，阅读 https://kp.example.cn/s/{2} 回T退订",
    "1760002": "New health article: {1}. Read it at https://kp.example.cn/s/{2} Reply STOP to opt out",
    # Verification-code templates (a separate template type at Tencent): the code is the only variable.
    "1760003": "验证码{1}，10分钟内有效，用于加入医生的健康科普随访。如非本人操作请忽略。",
    "1760004": "Your code is {1}. It is valid for 10 minutes and lets you join your doctor's health messages.",
}


@dataclass
class FakeSmsServer(LocalHttpFake):
    handler_class: ClassVar[type[KeepAliveHandler]] = _Handler

    templates: Mapping[str, str] = field(default_factory=lambda: dict(EXAMPLE_TEMPLATES))  # id -> approved text
    secret_id: str = "AKIDfakesecretid0123456789"
    secret_key: str = "fake-secret-key-0123456789"
    sdk_app_id: str = "1400000001"
    token: str = ""  # set: the key pair is temporary (STS) and every request must carry this X-TC-Token
    sign_names: tuple[str, ...] = ("科普工作室", "Kepu Studio")
    # ISO regions the account sends to (console: 国际/港澳台短信发送限制; None: all); others are refused per number
    allowed_regions: frozenset[str] | None = None
    verification_template_ids: frozenset[str] = frozenset({"1760003", "1760004"})
    max_clock_skew_s: int = 300
    error_rate: float = 0.0
    error_codes: tuple[str, ...] = ("InternalError.Timeout",)
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list, init=False)  # headers, body, raw, signature_ok
    sent: list[SentSms] = field(default_factory=list, init=False)
    blacklisted: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._scripted_status: list[str] = []
        self._scripted_request: list[str] = []
        self._serials = itertools.count(1)
        self._random = random.Random(self.seed)
        self._reports: list[dict[str, Any]] = []  # status reports not pulled yet
        self.pulls: list[dict[str, Any]] = []

    def fail_next(self, code: str, *, times: int = 1) -> None:
        """The next ``times`` numbers get this per-number status code."""
        with self._lock:
            self._scripted_status.extend([code] * times)

    def fail_next_request(self, code: str, *, times: int = 1) -> None:
        """The next ``times`` requests fail as a whole with this error code."""
        with self._lock:
            self._scripted_request.extend([code] * times)

    # --- protocol ---------------------------------------------------------------------

    def _handle(self, method: str, path: str, headers: Any, raw: bytes) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        signature_error = self._signature_error(method, path, headers, raw)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(
                {"headers": dict(headers.items()), "body": body, "raw": raw, "signature_ok": signature_error is None}
            )
            if signature_error:
                return _error(signature_error, "signature check failed", request_id)
            if headers.get("X-TC-Token", "") != self.token:  # missing, stale, or sent with a permanent key
                return _error("AuthFailure.TokenFailure", "token invalid or expired", request_id)
            if headers.get("X-TC-Action") == "PullSmsSendStatus" and headers.get("X-TC-Version") == "2021-01-11":
                return self._pull_status(body, request_id)
            if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
                return _error("InvalidAction", "action or version not supported", request_id)
            if not isinstance(body, dict):
                return _error("FailedOperation.JsonParseFail", "body is not JSON", request_id)
            if self._scripted_request:
                return _error(self._scripted_request.pop(0), "scripted request error", request_id)
            if body.get("SmsSdkAppId") != self.sdk_app_id:
                return _error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId mismatch", request_id)
            template = self.templates.get(str(body.get("TemplateId")))
            if template is None:
                return _error("FailedOperation.TemplateIdNotExist", "template id does not exist", request_id)
            sign = body.get("SignName", "")
            if sign and sign not in self.sign_names:
                return _error("FailedOperation.SignatureIncorrectOrUnapproved", "signature not approved", request_id)
            params = [str(p) for p in body.get("TemplateParamSet") or []]
            if len(params) != len(set(re.findall(r"\{(\d+)\}", template))):
                return _error(
                    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "param count mismatch", request_id
                )
            if str(body.get("TemplateId")) in self.verification_template_ids and not all(
                re.fullmatch(r"\d{1,6}", p) for p in params
            ):  # Tencent: a verification template's variable is 0-6 digits, nothing else
                return _error(
                    "InvalidParameterValue.TemplateParameterFormatError",
                    "verification code must be digits",
                    request_id,
                )
            if any(re.search(r"https?://|www\.", p, re.I) for p in params):
                return _error(
                    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", "URL in variable", request_id
                )
            phones = body.get("PhoneNumberSet") or []
            if not phones:
                return _error("MissingParameter.EmptyPhoneNumberSet", "no phone number", request_id)
            if len(phones) > 200:
                return _error("LimitExceeded.PhoneNumberCountLimit", "more than 200 numbers", request_id)
            text = re.sub(r"\{(\d+)\}", lambda m: params[int(m.group(1)) - 1], template)
            if sign:
                text = f"【{sign}】{text}"
            statuses = [self._send_one(str(phone), text, params, body) for phone in phones]
            return {"SendStatusSet": statuses, "RequestId": request_id}

    def _send_one(self, phone: str, text: str, params: list[str], body: dict[str, Any]) -> dict[str, Any]:
        status = {
            "PhoneNumber": phone,
            "SessionContext": body.get("SessionContext", ""),
            "IsoCode": _mobile_region(phone) or "",
            "Fee": 0,
            "SerialNo": "",
        }
        code = None
        if self._scripted_status:
            code = self._scripted_status.pop(0)
        elif self.error_rate and self._random.random() < self.error_rate:
            code = self._random.choice(self.error_codes)
        elif (region := _mobile_region(phone)) is None:
            code = "InvalidParameterValue.IncorrectPhoneNumber"
        elif self.allowed_regions is not None and region not in self.allowed_regions:
            code = "LimitExceeded.AppCountryOrRegionInBlacklist"
        elif phone in self.blacklisted:
            code = "FailedOperation.PhoneNumberInBlacklist"
        if code:
            return {
                **status,
                "Code": code,
                "Message": f"{code} for {phone}",
            }  # echoes the number: the channel must redact it
        fee = billed_parts(text)
        serial = f"2433:{next(self._serials):019d}"
        self.sent.append(
            SentSms(
                phone,
                text,
                tuple(params),
                str(body.get("TemplateId")),
                str(body.get("SessionContext", "")),
                serial,
                fee,
            )
        )
        return {**status, "Code": "Ok", "Message": "send success", "Fee": fee, "SerialNo": serial}

    def _signature_error(self, method: str, path: str, headers: Any, raw: bytes) -> str | None:
        return tc3_request_error(
            method,
            path,
            headers,
            raw,
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            service="sms",
            max_clock_skew_s=self.max_clock_skew_s,
        )

    # --- status reports (回执) ---------------------------------------------------------------

    def report(
        self,
        serial: str,
        *,
        delivered: bool = True,
        code: str = "DELIVRD",
        description: str = "用户短信送达成功",
        at: str = "2026-12-02 10:00:00",
    ) -> dict[str, Any]:
        """The handset's report on a sent message: queued for ``PullSmsSendStatus`` and returned in the
        callback's shape (what Tencent would POST to the status report address)."""
        sms = next(message for message in self.sent if message.serial_no == serial)
        status = "SUCCESS" if delivered else "FAIL"
        with self._lock:
            self._reports.append(
                {
                    "UserReceiveTime": at,
                    "CountryCode": "86",
                    "SubscriberNumber": sms.phone[3:],
                    "PhoneNumber": sms.phone,
                    "SerialNo": serial,
                    "ReportStatus": status,
                    "Description": code if not delivered else description,
                    "SessionContext": sms.session_context,
                }
            )
        return {
            "user_receive_time": at,
            "nationcode": "86",
            "mobile": sms.phone[3:],
            "report_status": status,
            "errmsg": code,
            "description": description,
            "sid": serial,
        }

    def _pull_status(self, body: Any, request_id: str) -> dict[str, Any]:
        """Each report once, at most ``Limit`` (1–100) a call, as Tencent hands them out."""
        if not isinstance(body, dict) or body.get("SmsSdkAppId") != self.sdk_app_id:
            return _error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId mismatch", request_id)
        limit = body.get("Limit")
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            return _error("InvalidParameterValue.LimitOutOfRange", "Limit must be 1 to 100", request_id)
        taken, self._reports = self._reports[:limit], self._reports[limit:]
        self.pulls.append(body)
        return {"PullSmsSendStatusSet": taken, "RequestId": request_id}


_error = tencent_error


def _mobile_region(phone: str) -> str | None:
    """The ISO region of an E.164 mobile number the carriers would take (libphonenumber's ranges), else None."""
    if not _E164.match(phone):
        return None
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.region_code_for_number(number)
