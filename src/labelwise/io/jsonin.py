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

_LONG_DIGITS = re.compile(rb"\d{20,}")
_MAX = 2**64 - 1


def _check_int(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value <= _MAX:
        raise ValueError(f"integer {text[:30]} is beyond 64 bits")
    return value


def loads(raw: bytes | str, where: str = "body") -> Any:
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"{where}: malformed JSON: {exc}", {where: [str(exc)]}) from exc
    if b"\\u0000" in data:
        raise Invalid(f"{where}: NUL characters (\\u0000) are not allowed", {where: ["contains U+0000"]})
    if _LONG_DIGITS.search(data):
        try:
            json.loads(data, parse_int=_check_int)
        except ValueError as exc:
            raise Invalid(f"{where}: {exc}", {where: [str(exc)]}) from exc
    return value
