"""WeChat's side of event pushes to the studio: the receipt events, signed, and encrypted in safe mode.

Encryption and signing come from wechatpy (``wechatpy.crypto.WeChatCrypto``), an
implementation of the official scheme the project did not write, so a mistake in
``distribution/channels/wechat_push.py`` is not mirrored here.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

__all__ = ["template_finished", "subscribe_sent", "mass_finished", "signed_push"]

ACCOUNT = "gh_0123456789ab"


def _event(openid: str, name: str, inner: str, created: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{name}]]></Event>{inner}</xml>"
    )


def template_finished(openid: str, msgid: int | str, status: str = "success", created: int | None = None) -> str:
    """TEMPLATESENDJOBFINISH: Status is "success", "failed:user block" or "failed: system failed"."""
    return _event(
        openid, "TEMPLATESENDJOBFINISH", f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status>", created
    )


def subscribe_sent(openid: str, entries: list[tuple[str, int | str, int, str]], created: int | None = None) -> str:
    """subscribe_msg_sent_event with (template id, msgid, ErrorCode, ErrorStatus) per message."""
    items = "".join(
        f"<List><TemplateId><![CDATA[{template}]]></TemplateId><MsgID><![CDATA[{msgid}]]></MsgID>"
        f"<ErrorCode>{code}</ErrorCode><ErrorStatus><![CDATA[{status}]]></ErrorStatus></List>"
        for template, msgid, code, status in entries
    )
    return _event(
        openid, "subscribe_msg_sent_event", f"<SubscribeMsgSentEvent>{items}</SubscribeMsgSentEvent>", created
    )


def mass_finished(msg_id: int | str, *, status: str = "sendsuccess", total: int, sent: int, errors: int) -> str:
    inner = (
        f"<MsgID>{msg_id}</MsgID><Status><![CDATA[{status}]]></Status><TotalCount>{total}</TotalCount>"
        f"<FilterCount>{total}</FilterCount><SentCount>{sent}</SentCount><ErrorCount>{errors}</ErrorCount>"
    )
    return _event(ACCOUNT, "MASSSENDJOBFINISH", inner)


def signed_push(
    xml: str, token: str, *, app_id: str = "", encoding_aes_key: str = "", timestamp: int | None = None
) -> tuple[str, str]:
    """The query string and body WeChat sends for ``xml`` (plain mode, or safe mode with a key)."""
    stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(5)
    signer = WeChatSigner()
    signer.add_data(token, stamp, nonce)
    query = {"signature": signer.signature, "timestamp": stamp, "nonce": nonce, "openid": "oHidden"}
    if not encoding_aes_key:
        return urlencode(query), xml
    envelope = WeChatCrypto(token, encoding_aes_key, app_id).encrypt_message(xml, nonce, stamp)
    encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    message_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query.update(encrypt_type="aes", msg_signature=message_signature)
    return urlencode(query), body
