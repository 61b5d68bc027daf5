"""Validation and normal forms of patient addresses, one rule per channel.

Error messages never repeat the rejected value: they end up in import
reports and logs, and the value is patient data.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from distribution.channels.phone_numbers import InvalidMobileNumber
from distribution.channels.phone_numbers import normalize_mobile_number as channel_mobile_number

__all__ = ["normalize_contact_address", "normalize_mobile_number"]

_OPENID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_HOSPITAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,63}$")


def normalize_mobile_number(value: str) -> str:
    """E.164 form of a mobile number (the channels' one rule), with an error message for the admin."""
    try:
        return channel_mobile_number(value)
    except InvalidMobileNumber as exc:
        if exc.mainland:
            raise ValueError(
                _("not a mainland China mobile number (11 digits starting with 13–19, optional +86)")
            ) from None
        raise ValueError(_("not a mobile number (outside mainland China: + and the country code)")) from None


def normalize_contact_address(channel: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(_("empty address"))
    if channel == "sms":
        return normalize_mobile_number(value)
    if channel == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("not a valid e-mail address")) from None
        local, _at, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    if channel == "wechat":
        if not _OPENID.match(value):
            raise ValueError(_("not a WeChat openid (20–64 letters, digits, - or _)"))
        return value
    if channel == "webhook":
        if not _HOSPITAL_ID.match(value):
            raise ValueError(_("not a hospital system patient id (letters, digits and . _ : / -, at most 64)"))
        return value
    raise ValueError(_("unknown channel “%(channel)s”") % {"channel": channel})
