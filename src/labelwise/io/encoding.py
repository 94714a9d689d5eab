"""The one JSON encoder for API responses and exports.

Datetimes are written by orjson itself, in C, as ISO 8601 UTC with a `Z` (naive values, which
SQLite returns, are UTC), the format Label Studio uses.
"""

from __future__ import annotations

from typing import Any

import orjson

OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)
