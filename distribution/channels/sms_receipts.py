"""Tencent Cloud SMS status reports (回执): the callback Tencent POSTs, and ``PullSmsSendStatus`` to fetch them.

The callback (短信下发状态通知, https://cloud.tencent.com/document/product/382/5807) is a JSON array of
``{"user_receive_time", "nationcode", "mobile", "report_status", "errmsg", "description", "sid"}``,
``sid`` being the ``SerialNo`` that ``SendSms`` answered; the studio answers ``{"result": 0, "errmsg": "OK"}``.
Tencent does not sign it, so the address carries a random key (``SmsConfig.callback_token``).

Where no callback address is configured, reports are pulled: ``PullSmsSendStatus`` (API 2021-01-11) returns
up to ``Limit`` (at most 100) reports not pulled before, each once; Tencent returns nothing while a callback
address is set. The request is signed like ``SendSms`` (TC3-HMAC-SHA256).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import requests

from .base import request_or_retryable
from .errors import ChannelConfigurationError, RetryableChannelError
from .masking import redact
from .receipts import ProviderReceipt
from .sms import API_VERSION, SmsConfig, tc3_authorization
from .sms_errors import classify_sms_error

__all__ = ["PULL_ACTION", "PULL_LIMIT", "receipts_from_callback", "pull_sms_send_status", "pull_request_body"]

PULL_ACTION = "PullSmsSendStatus"
PULL_LIMIT = 100
_BEIJING = timezone(timedelta(hours=8))


def _beijing_time(text: Any) -> datetime:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=_BEIJING)
    except ValueError:
        return datetime.now(_BEIJING)


def _receipt(
    serial: Any, status: Any, code: Any, description: Any, moment: Any, *numbers: Any
) -> ProviderReceipt | None:
    serial = str(serial or "")
    if not serial:
        return None
    delivered = str(status).upper() == "SUCCESS"
    text = " ".join(part for part in (str(code or ""), str(description or "")) if part)
    reason = (
        ""
        if delivered
        else redact(
            f"the phone did not receive it: {text or 'no reason given'}", *[str(number) for number in numbers if number]
        )[:300]
    )
    return ProviderReceipt(
        "sms", serial[:200], delivered, str(code or status or "")[:64], reason, _beijing_time(moment)
    )


def receipts_from_callback(payload: Any) -> list[ProviderReceipt]:
    """The receipts in a status callback body (entries without a ``sid`` are skipped)."""
    entries = payload if isinstance(payload, list) else [payload]
    receipts = []
    for entry in entries:
        if isinstance(entry, dict):
            receipt = _receipt(
                entry.get("sid"),
                entry.get("report_status"),
                entry.get("errmsg"),
                entry.get("description"),
                entry.get("user_receive_time"),
                entry.get("mobile"),
            )
            if receipt is not None:
                receipts.append(receipt)
    return receipts


def pull_request_body(config: SmsConfig, limit: int = PULL_LIMIT) -> dict[str, Any]:
    return {"Limit": max(1, min(limit, PULL_LIMIT)), "SmsSdkAppId": config.sdk_app_id}


def pull_sms_send_status(
    config: SmsConfig, session: requests.Session, *, limit: int = PULL_LIMIT, clock: Callable[[], float]
) -> list[ProviderReceipt]:
    """One ``PullSmsSendStatus`` call: the reports Tencent has not handed out before."""
    payload = json.dumps(pull_request_body(config, limit), separators=(",", ":")).encode("utf-8")
    timestamp = int(clock())
    host = urlsplit(config.api_base).netloc
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Host": host,
        "X-TC-Action": PULL_ACTION,
        "X-TC-Version": API_VERSION,
        "X-TC-Region": config.region,
        "X-TC-Timestamp": str(timestamp),
    }
    if config.token:  # temporary credentials (STS), as for SendSms
        headers["X-TC-Token"] = config.token
    headers["Authorization"] = tc3_authorization(
        secret_id=config.secret_id,
        secret_key=config.secret_key,
        host=host,
        payload=payload,
        timestamp=timestamp,
        content_type=headers["Content-Type"],
        action=PULL_ACTION,
    )
    response = request_or_retryable(
        session, "POST", f"{config.api_base}/", service="SMS API", settings=config.http, data=payload, headers=headers
    )
    if response.status_code != 200:
        raise RetryableChannelError(f"SMS API answered HTTP {response.status_code} to {PULL_ACTION}", 60.0)
    try:
        answer = response.json()["Response"]
    except (ValueError, KeyError, TypeError):
        raise RetryableChannelError(f"SMS API answered {PULL_ACTION} with an unexpected body", 60.0) from None
    error = answer.get("Error")
    if error:
        # The SendSms classes: our configuration, or a failure the next pull (a minute later) may not meet.
        found = classify_sms_error(str(error.get("Code", "")), "")
        reason = f"{PULL_ACTION} failed: {found.reason}"
        if isinstance(found, ChannelConfigurationError):
            raise ChannelConfigurationError(reason, provider_code=found.provider_code)
        raise RetryableChannelError(reason, 60.0, provider_code=found.provider_code)
    receipts = []
    for entry in answer.get("PullSmsSendStatusSet") or []:
        if isinstance(entry, dict):
            receipt = _receipt(
                entry.get("SerialNo"),
                entry.get("ReportStatus"),
                "",
                entry.get("Description"),
                entry.get("UserReceiveTime"),
                entry.get("PhoneNumber"),
                entry.get("SubscriberNumber"),
            )
            if receipt is not None:
                receipts.append(receipt)
    return receipts
