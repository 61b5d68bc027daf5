"""WeChat event pushes (消息推送) to the studio: signatures, the safe mode's AES, and the receipt events.

WeChat POSTs each event to the server address of the account's server
configuration with ``signature``, ``timestamp`` and ``nonce`` in the query:
``signature = sha1(sorted(token, timestamp, nonce))``. In safe mode
(``encrypt_type=aes``) the body carries only ``Encrypt`` and the query adds
``msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt))``; ``Encrypt``
is base64 of AES-256-CBC (key = base64 of the 43-character EncodingAESKey plus
"=", IV = its first 16 bytes) over
``16 random bytes | 4-byte big-endian length | message | AppID``, padded
PKCS#7-style to a multiple of 32 bytes. Service accounts push XML; mini programs
push XML or JSON, as configured.

The receipt events are ``TEMPLATESENDJOBFINISH`` (template messages),
``subscribe_msg_sent_event`` (subscribe messages; several in one ``List``) and
``MASSSENDJOBFINISH`` (mass sends). Django-free: the views call these.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import struct
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused_etree

from .receipts import ProviderReceipt

__all__ = [
    "PushRejected",
    "aes_key",
    "push_signature",
    "verify_push",
    "decrypt_push",
    "parse_push",
    "receipts_from_event",
    "MassSendReport",
    "mass_report_from_event",
]

_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16
MAX_SKEW_S = 300  # a push older (or newer) than this is refused: a replay, or a clock far off


class PushRejected(ValueError):
    """A push that is not from WeChat or cannot be read; ``status`` is the HTTP answer to give."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.status = status


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be exactly 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("EncodingAESKey must be the 43 letters and digits WeChat shows") from None
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def push_signature(token: str, timestamp: str, nonce: str, encrypted: str = "") -> str:
    parts = [token, timestamp, nonce] + ([encrypted] if encrypted else [])
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - the signature WeChat defines is SHA-1


def verify_push(token: str, query: dict[str, str], *, encrypted: str = "", now: float) -> None:
    """Raise ``PushRejected`` unless the query is signed with ``token`` (``msg_signature`` in safe mode)."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not token:
        raise PushRejected("no push Token is configured for this account", status=404)
    if not timestamp.isdigit() or not nonce:
        raise PushRejected("timestamp and nonce are required")
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        raise PushRejected("timestamp too far from now")
    name = "msg_signature" if encrypted else "signature"
    expected = push_signature(token, timestamp, nonce, encrypted)
    if not hmac.compare_digest(expected, query.get(name, "")):
        raise PushRejected(f"{name} does not match")


@dataclass(frozen=True)
class DecryptedPush:
    random: bytes
    message: str
    app_id: str


def decrypt_push(encoding_aes_key: str, encrypted: str) -> DecryptedPush:
    """The parts of a safe-mode ``Encrypt`` value (raises ``PushRejected`` when it does not decrypt)."""
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise PushRejected("Encrypt is not base64", status=400) from None
    if not data or len(data) % 16:
        raise PushRejected("Encrypt has the wrong length", status=400)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    padding = plain[-1]
    if not 1 <= padding <= _BLOCK or plain[-padding:] != bytes([padding]) * padding or len(plain) < 20 + padding:
        raise PushRejected("Encrypt does not decrypt with this EncodingAESKey", status=400)
    content = plain[16:-padding]
    (length,) = struct.unpack(">I", content[:4])
    if length > len(content) - 4:
        raise PushRejected("Encrypt does not decrypt with this EncodingAESKey", status=400)
    try:
        return DecryptedPush(plain[:16], content[4 : 4 + length].decode("utf-8"), content[4 + length :].decode("utf-8"))
    except UnicodeDecodeError:
        raise PushRejected("Encrypt does not decrypt with this EncodingAESKey", status=400) from None


def parse_push(body: str) -> dict[str, Any]:
    """The fields of a pushed XML or JSON document (nested XML elements become dicts, repeated ones lists)."""
    text = body.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            raise PushRejected("the body is not valid JSON", status=400) from None
        if not isinstance(document, dict):
            raise PushRejected("the body is not a JSON object", status=400)
        return document
    try:
        document = _element(defused_etree.fromstring(text, forbid_dtd=True))
    except DefusedXmlException:  # a DOCTYPE (entity expansion) or, inside one, an entity or external reference
        raise PushRejected("document type declarations are not accepted", status=400) from None
    except (ElementTree.ParseError, RecursionError):
        raise PushRejected("the body is neither XML nor JSON (or nested too deeply)", status=400) from None
    return document if isinstance(document, dict) else {}


def _element(node: ElementTree.Element) -> Any:
    children = list(node)
    if not children:
        return (node.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        value = _element(child)
        if child.tag in result:
            existing = result[child.tag]
            result[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[child.tag] = value
    return result


def _scalar(value: Any, limit: int = 200) -> str:
    """A field's text; '' for the nested elements (or JSON objects) a forged push may put there."""
    return str(value)[:limit] if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _reported_at(event: dict[str, Any]) -> datetime:
    try:
        return datetime.fromtimestamp(int(event.get("CreateTime", "")), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


TEMPLATE_FAILURES = {
    "failed:user block": "the patient blocked messages from the account",
    "failed: system failed": "WeChat could not deliver it (system failure)",
}


def receipts_from_event(event: dict[str, Any]) -> list[ProviderReceipt]:
    """The delivery receipts in a template or subscribe-message event (none for other events)."""
    name = _scalar(event.get("Event"))
    reported = _reported_at(event)
    if name == "TEMPLATESENDJOBFINISH":
        status = _scalar(event.get("Status"))
        msgid = _scalar(event.get("MsgID") or event.get("MsgId"))
        if not msgid:
            return []
        delivered = status == "success"
        reason = "" if delivered else TEMPLATE_FAILURES.get(status.lower(), f"WeChat reported: {status[:200]}")
        return [ProviderReceipt("wechat", msgid, delivered, status[:64], reason, reported)]
    if name == "subscribe_msg_sent_event":
        container = event.get("SubscribeMsgSentEvent")
        entries = container.get("List") if isinstance(container, dict) else None
        receipts = []
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict) or not (msgid := _scalar(entry.get("MsgID"))):
                continue
            code, status = _scalar(entry.get("ErrorCode")), _scalar(entry.get("ErrorStatus"))
            delivered = code == "0"
            reason = "" if delivered else TEMPLATE_FAILURES.get(status.lower(), f"WeChat error {code}: {status}")
            receipts.append(ProviderReceipt("wechat", msgid, delivered, (status or code)[:64], reason, reported))
        return receipts
    return []


@dataclass(frozen=True)
class MassSendReport:
    msg_id: str
    status: str  # sendsuccess, sendfail, err(<code>)
    total: int | None
    sent: int | None
    errors: int | None
    reported_at: datetime

    @property
    def succeeded(self) -> bool:
        return self.status == "sendsuccess"


def mass_report_from_event(event: dict[str, Any]) -> MassSendReport | None:
    msg_id = _scalar(event.get("MsgID") or event.get("MsgId"), 64)
    if event.get("Event") != "MASSSENDJOBFINISH" or not msg_id:
        return None

    def number(name: str) -> int | None:
        value = _scalar(event.get(name))
        return int(value) if value.isdigit() and len(value) < 10 else None

    return MassSendReport(
        msg_id,
        _scalar(event.get("Status"), 64),
        number("TotalCount"),
        number("SentCount"),
        number("ErrorCount"),
        _reported_at(event),
    )
