"""The one rule for a mobile number the studio may text: libphonenumber's metadata, mainland and abroad.

Every place that takes a phone number (the patient form, CSV import, the join
page's code, the SMS channel itself) goes through ``normalize_mobile_number``,
so a number accepted on entry is one the channel will send to. Hand-written
patterns let through numbers no carrier has issued (``+8610012345678``,
``+8612345678901``); Google's metadata knows each country's mobile ranges and is
updated with the ``phonenumbers`` package.

Errors never repeat the number: they end up in import reports and logs.
"""

from __future__ import annotations

import re

import phonenumbers

__all__ = ["InvalidMobileNumber", "normalize_mobile_number"]

_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


class InvalidMobileNumber(ValueError):
    """Not a mobile number. ``mainland`` says whether it was read as a mainland China number."""

    def __init__(self, *, mainland: bool):
        super().__init__(
            "not a mainland China mobile number" if mainland else "not a mobile number (+ and the country code)"
        )
        self.mainland = mainland


def normalize_mobile_number(value: str, default_country_code: str = "86") -> str:
    """E.164 form (``+8613812345678``) of a mobile number as people write it.

    Spaces, dashes, dots and brackets are ignored; ``00`` stands for ``+``; a
    number without a country code belongs to ``default_country_code`` (and may
    start with it, as in ``8613812345678``).
    """
    compact = _SEPARATORS.sub("", (value or "").strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    region = None if compact.startswith("+") else phonenumbers.region_code_for_country_code(int(default_country_code))
    mainland = compact.startswith("+86") or (region == "CN")
    if not re.fullmatch(r"\+?\d{4,17}", compact):
        raise InvalidMobileNumber(mainland=mainland)
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        raise InvalidMobileNumber(mainland=mainland) from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidMobileNumber(mainland=number.country_code == 86)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
