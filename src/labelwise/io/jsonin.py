"""Parsing JSON from clients: orjson, plus the two things it lets through that the database won't take.

- U+0000 inside strings (PostgreSQL text and JSONB cannot hold it): refused with a 400.
- Integers beyond 64 bits, which orjson reads as rounded floats: found with the stdlib parser (only
  when the text has a run of 20 or more digits) and refused rather than silently rounded.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from labelwise.services.errors import Invalid

# Every digit to "0", every other byte to " ": a run of 20 digits is then a plain substring search,
# about seven times faster on a large body than the regular expression `\d{20,}`.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 20
_MAX = 2**64 - 1


# An escape for U+0000: `\u0000` after an even number of backslashes (an odd number means the
# backslash itself was escaped, and the text merely reads "\u0000").
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _too_big(value: Any) -> int | None:
    """The first integer in `value` beyond 64 bits, if any."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if not -(2**63) <= value <= _MAX else None
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        found = _too_big(child)
        if found is not None:
            return found
    return None


def _refuse_big_ints(data: bytes, where: str) -> None:
    """Re-read with the stdlib parser, which keeps integers exact, and name the item at fault."""
    exact = json.loads(data)
    items = exact if isinstance(exact, list) else [exact]
    for i, item in enumerate(items):
        found = _too_big(item)
        if found is not None:
            at = f"{where}: item {i}" if isinstance(exact, list) else where
            raise Invalid(
                f"{at}: integer {str(found)[:30]} is beyond 64 bits", {where: [f"{at}: integer too large"]}
            )


def loads(raw: bytes | str, where: str = "body") -> Any:
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"{where}: malformed JSON: {exc}", {where: [str(exc)]}) from exc
    if b"\\u0000" in data and _NUL_ESCAPE.search(data):
        raise Invalid(f"{where}: NUL characters (\\u0000) are not allowed", {where: ["contains U+0000"]})
    if data.translate(_DIGITS_ONLY).find(_LONG_RUN) >= 0:
        _refuse_big_ints(data, where)
    return value
