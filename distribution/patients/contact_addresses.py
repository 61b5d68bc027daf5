"""Validation and normal forms of patient addresses, one rule per channel.

Error messages never repeat the rejected value: they end up in import
reports and logs, and the value is patient data.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

__all__ = ["normalize_contact_address", "normalize_mainland_mobile", "normalize_mobile_number"]

_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_HOSPITAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,63}$")


def normalize_mainland_mobile(value: str) -> str:
    """``+8613812345678`` from the ways people write a mainland mobile number.

    Accepts spaces, dashes and the prefixes +86, 0086 and 86; the number
    itself must be 11 digits starting with 13–19.
    """
    digits = _SEPARATORS.sub("", value.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MAINLAND_MOBILE.match(digits):
        raise ValueError(_("not a mainland China mobile number (11 digits starting with 13–19, optional +86)"))
    return "+86" + digits


_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_mobile_number(value: str) -> str:
    """E.164 form of a mobile number: mainland as people write it, or international with +/00.

    Mainland numbers keep the studio's own rule (11 digits, 13–19); other
    countries' numbers are checked with Google's libphonenumber metadata,
    which knows each country's mobile ranges.
    """
    compact = _SEPARATORS.sub("", (value or "").strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+") or compact.startswith("+86"):
        return normalize_mainland_mobile(compact)
    try:
        number = phonenumbers.parse(compact, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a mobile number (mainland: 11 digits; elsewhere: + and the country code)") from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValueError("not a mobile number (mainland: 11 digits; elsewhere: + and the country code)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
