"""Strings that break careless parsers, and random junk drawn from them, for requests no browser would send."""

from __future__ import annotations

import random

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "%00",
    "../../etc/passwd",
    "..%2f..%2f",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '";--',
    "9" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "\u202e\u202d",
    "\ufeff",
    "\ud7ff",
    "😷" * 40,
    "高血压" * 200,
    "a" * 3000,
    "%",
    "%zz",
    "\\",
    "/",
    "//",
    "?",
    "#",
    "&",
    "=",
    "+",
    "~",
    "\r\n",
    "\t",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "Ω≈ç√∫",
    "ＡＢＣ",
    "０１２",
    "1;DROP TABLE",
    "${7*7}",
    "{{7*7}}",
]


def random_junk(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.6:
        return rng.choice(NASTY_STRINGS)
    if choice < 0.8:
        return "".join(
            chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x800), rng.randrange(0x4E00, 0x9FFF)]))
            for _ in range(rng.randrange(1, 40))
        )
    return str(rng.choice([rng.randrange(-(10**6), 10**6), 2**63, 2**64 + 1, 10**25]))
