"""Arabic numbers to Chinese numerals.

espeak-ng's Mandarin number reader drops inner zeros ("105" -> 一百五) and
has no 万 ("10000" -> 十千), so Chinese speech text spells numbers out itself.
Neural engines read Chinese numerals just as well as digits.
"""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four_digits(n: int) -> str:
    """0 < n < 10000, with inner zeros collapsed to one 零."""
    out: list[str] = []
    pending_zero = False
    for position in range(3, -1, -1):
        digit = (n // 10**position) % 10
        if digit == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(out)


def integer_to_chinese(n: int) -> str:
    """12 -> 十二, 105 -> 一百零五, 10000 -> 一万, 2026 -> 二千零二十六."""
    if n < 0:
        return "负" + integer_to_chinese(-n)
    if n == 0:
        return "零"
    if n >= 10**16:
        return digits_to_chinese(str(n))
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out: list[str] = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group < 1000):
            out.append("零")
        out.append(_four_digits(group) + _BIG_UNITS[index])
        need_zero = False
    text = "".join(out)
    if text.startswith("一十"):  # 十二, not 一十二
        text = text[1:]
    return text


def digits_to_chinese(digits: str, *, yao_for_one: bool = False) -> str:
    """Read digit by digit: years (二〇二六 as 二零二六) and phone numbers (幺二零)."""
    table = _DIGITS.replace("一", "幺") if yao_for_one else _DIGITS
    return "".join(table[int(ch)] if ch.isdigit() else ch for ch in digits)


def number_to_chinese(number: str) -> str:
    """A decimal literal such as "37.5", "-3", "1,200" or "0.05" in Chinese."""
    text = number.replace(",", "").replace("，", "").strip()
    negative = text.startswith(("-", "−"))
    if negative:
        text = text[1:]
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"not a decimal number: {number!r}")
    spoken = integer_to_chinese(int(whole))
    if fraction:
        spoken += "点" + digits_to_chinese(fraction)
    return ("负" if negative else "") + spoken
