"""The addresses providers report deliveries to: WeChat's event pushes and Tencent Cloud SMS status callbacks.

``/messages/receipts/wechat/<site>/`` is the server address (服务器地址) of the account's
server configuration: GET answers WeChat's address check (``echostr``), POST takes event
pushes in plain or safe mode. ``/messages/receipts/sms/<site>/<key>/`` is the status
report address given to Tencent Cloud. Both answer quickly and never with patient data;
bad or forged requests get a 4xx with a short reason, never a 500.
"""

from __future__ import annotations

import hmac
import json
import logging
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from distribution.channels.sms_receipts import receipts_from_callback
from distribution.channels.wechat_push import (
    PushRejected,
    decrypt_push,
    mass_report_from_event,
    parse_push,
    receipts_from_event,
    verify_push,
)

from .channel_settings import effective_channel_configs
from .configuration import distribution_settings
from .receipts import record_mass_report, record_receipts

__all__ = ["wechat_push", "sms_status_callback"]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # a status callback carries many reports; far more is not from a provider


def _channel_options(kind: str, site_id: int) -> dict:
    return effective_channel_configs(distribution_settings().channels, site_id).get(kind) or {}


def _text(reason: str, status: int) -> HttpResponse:
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wechat_push(request: HttpRequest, site_id: int) -> HttpResponse:
    options = _channel_options("wechat", site_id)
    token, aes_key = str(options.get("push_token", "")), str(options.get("encoding_aes_key", ""))
    query = request.GET.dict()
    now = time.time()
    try:
        if request.method == "GET":  # the console's address check: echo echostr when the signature holds
            verify_push(token, query, now=now)
            return _text(query.get("echostr", ""), 200)
        if len(request.body) > MAX_BODY_BYTES:
            raise PushRejected("body too large", status=413)
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise PushRejected("body is not UTF-8", status=400) from None
        if query.get("encrypt_type") == "aes":
            if not aes_key:
                raise PushRejected("a safe-mode push, but no EncodingAESKey is configured", status=403)
            encrypted = str(parse_push(text).get("Encrypt", ""))
            if not encrypted:
                raise PushRejected("a safe-mode push without Encrypt", status=400)
            verify_push(token, query, encrypted=encrypted, now=now)
            decrypted = decrypt_push(aes_key, encrypted)
            if decrypted.app_id != options.get("app_id"):
                raise PushRejected("the push is for another AppID")
            event = parse_push(decrypted.message)
        else:
            verify_push(token, query, now=now)
            event = parse_push(text)
    except PushRejected as exc:
        logger.warning("WeChat push refused (site %s): %s", site_id, exc)
        return _text(str(exc), exc.status)
    run = record_receipts(receipts_from_event(event))
    report = mass_report_from_event(event)
    if report is not None and not record_mass_report(report):
        logger.info("WeChat mass-send report for an unknown job %s", report.msg_id)
    if run.received:
        logger.info("WeChat push (site %s, %s): %s", site_id, event.get("Event"), run)
    return _text("success", 200)  # WeChat retries anything else three times


@csrf_exempt
@require_POST
def sms_status_callback(request: HttpRequest, site_id: int, key: str) -> HttpResponse:
    expected = str(_channel_options("sms", site_id).get("callback_token", ""))
    if not expected or not hmac.compare_digest(expected.encode(), key.encode()):
        return JsonResponse({"result": 1, "errmsg": "unknown address"}, status=404)
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"result": 1, "errmsg": "body too large"}, status=413)
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JsonResponse({"result": 1, "errmsg": "body is not JSON"}, status=400)
    if not isinstance(payload, (list, dict)):
        return JsonResponse({"result": 1, "errmsg": "body is not a list of reports"}, status=400)
    run = record_receipts(receipts_from_callback(payload))
    logger.info("SMS status callback (site %s): %s", site_id, run)
    return JsonResponse({"result": 0, "errmsg": "OK"})
