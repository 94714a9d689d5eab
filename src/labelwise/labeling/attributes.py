"""Reading typed values out of string attributes, with errors that point at the attribute.

LS accepts loose spellings ("true", "True", "1"); numbers must be real numbers so that a typo like
`maxRating="ten"` is caught when the config is saved rather than when an annotator opens a task.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from labelwise.labeling.errors import ConfigError

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_KEY = re.compile(r"\$([A-Za-z_]\w*)")
_WHOLE_KEY = re.compile(r"\s*\$([A-Za-z_]\w*)\s*")


class Attributes:
    """The attributes of one element plus what is needed to blame it in an error."""

    def __init__(self, tag: str, attrs: Mapping[str, str], line: int | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.name = attrs.get("name")

    def error(self, message: str, attribute: str | None = None) -> ConfigError:
        return ConfigError(message, tag=self.tag, attribute=attribute, line=self.line, name=self.name)

    def text(self, key: str) -> str | None:
        value = self.attrs.get(key)
        return value if value is not None and value.strip() else None

    def flag(self, key: str, default: bool = False) -> bool:
        raw = self.attrs.get(key)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise self.error(f"must be true or false, not {raw!r}", key)

    def positive_int(self, key: str, default: int | None = None) -> int | None:
        raw = self.attrs.get(key)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise self.error(f"must be a positive integer, not {raw!r}", key) from None
        if value <= 0:
            raise self.error(f"must be a positive integer, not {raw!r}", key)
        return value

    def number(self, key: str) -> float | None:
        raw = self.attrs.get(key)
        if raw is None or not raw.strip():
            return None
        try:
            value = float(raw.strip())
        except ValueError:
            raise self.error(f"must be a number, not {raw!r}", key) from None
        if not math.isfinite(value):
            raise self.error(f"must be a finite number, not {raw!r}", key)
        return value

    def one_of(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        raw = self.attrs.get(key)
        if raw is None:
            return default
        value = raw.strip()
        if value not in allowed:
            raise self.error(f"must be one of {', '.join(allowed)}, not {raw!r}", key)
        return value

    def names(self, key: str) -> tuple[str, ...]:
        """A comma-separated list of tag names (`toName="text1,text2"`)."""
        raw = self.attrs.get(key, "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())


def data_key(value: str | None) -> str | None:
    """The task-data key when the attribute is exactly one `$key` reference, else None (a literal)."""
    if value is None:
        return None
    match = _WHOLE_KEY.fullmatch(value)
    return match.group(1) if match else None


def referenced_keys(value: str) -> list[str]:
    """Every `$key` mentioned in an attribute value, e.g. `<Header value="Review of $title"/>`."""
    return _KEY.findall(value)
