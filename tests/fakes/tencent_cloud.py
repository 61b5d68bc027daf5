"""What every Tencent Cloud API 3.0 fake checks first: the TC3-HMAC-SHA256 signature and the common headers.

Written from Tencent's signature documentation (signature v3), independently
of the SDKs the studio calls, so a bug in a client is not mirrored here. The
real endpoints answer every error with HTTP 200 and ``{"Response": {"Error":
{...}, "RequestId": ...}}``; so do the fakes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from typing import Any

__all__ = ["tc3_request_error", "tencent_error"]

_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
    r"SignedHeaders=([a-z0-9;\-]+), Signature=([0-9a-f]{64})$"
)


def tc3_request_error(
    method: str,
    path: str,
    headers: Any,
    raw: bytes,
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    max_clock_skew_s: int = 300,
    now: float | None = None,
) -> str | None:
    """The error code the real endpoint gives this request's authentication, or None when it passes.

    The canonical request is rebuilt from the headers the client says it
    signed; the timestamp may be at most ``max_clock_skew_s`` from ``now``
    (five minutes at Tencent).
    """
    if not headers.get("Authorization"):
        return "AuthFailure.InvalidAuthorization"
    if not headers.get("X-TC-Timestamp") or not headers.get("X-TC-Action") or not headers.get("X-TC-Version"):
        return "MissingParameter"
    match = _AUTH.match(headers.get("Authorization", ""))
    if not match:
        return "AuthFailure.SignatureFailure"
    sent_id, date, signed_service, signed_headers, signature = match.groups()
    if sent_id != secret_id:
        return "AuthFailure.SecretIdNotFound"
    try:
        timestamp = int(headers.get("X-TC-Timestamp", ""))
    except ValueError:
        return "AuthFailure.SignatureFailure"
    if abs((time.time() if now is None else now) - timestamp) > max_clock_skew_s:
        return "AuthFailure.SignatureExpire"
    if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != date or signed_service != service:
        return "AuthFailure.SignatureFailure"
    names = signed_headers.split(";")
    if "content-type" not in names or "host" not in names:
        return "AuthFailure.SignatureFailure"
    values = {name: (headers.get(name) or "").strip() for name in names}
    if "x-tc-action" in values:
        values["x-tc-action"] = values["x-tc-action"].lower()  # Tencent signs the action in lower case
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in values.items())
    payload_hash = hashlib.sha256(raw).hexdigest()
    canonical = f"{method}\n{path.split('?')[0]}\n\n{canonical_headers}\n{signed_headers}\n{payload_hash}"
    canonical_hash = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{signed_service}/tc3_request\n{canonical_hash}"
    key = ("TC3" + secret_key).encode()
    for part in (date, signed_service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, signature) else "AuthFailure.SignatureFailure"


def tencent_error(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
