"""One result item under inspection, and the typed readers every value check shares.

Reading `value.x` as "a finite number, not a bool" is the same question for boxes, spans and ratings; keeping
the readers here means every check fails with the same kind of message and the same field naming.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from labelwise.labeling.errors import InvalidResult
from labelwise.labeling.schema import ControlTag, ObjectTag


@dataclass
class Content:
    """The task data an object tag shows; UTF-16 code units are computed only if a span needs them."""

    value: Any
    _utf16: bytes | None = None

    @property
    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    def utf16(self) -> bytes:
        """LS computes offsets in the browser, in JavaScript string units; needed only for astral text."""
        if self._utf16 is None:
            self._utf16 = str(self.value).encode("utf-16-le", "surrogatepass")
        return self._utf16


@dataclass
class Region:
    index: int
    region_id: str | None
    control: ControlTag
    obj: ObjectTag
    rtype: str
    value: Mapping[str, Any]
    content: Content

    def fail(self, field: str, message: str) -> NoReturn:
        raise InvalidResult(self.index, field, message, region_id=self.region_id)

    def has(self, key: str) -> bool:
        return key in self.value

    def number(self, key: str, *, required: bool = True) -> float | None:
        raw = self.value.get(key)
        if raw is None:
            if required:
                self.fail(f"value.{key}", "is required")
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(f"value.{key}", f"must be a number, not {kind(raw)}")
        if not math.isfinite(raw):
            self.fail(f"value.{key}", "must be a finite number")
        return float(raw)

    def integer(self, key: str, *, required: bool = True) -> int | None:
        raw = self.value.get(key)
        if raw is None:
            if required:
                self.fail(f"value.{key}", "is required")
            return None
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.fail(f"value.{key}", f"must be an integer, not {kind(raw)}")
        return raw

    def string(self, key: str, *, required: bool = True) -> str | None:
        raw = self.value.get(key)
        if raw is None:
            if required:
                self.fail(f"value.{key}", "is required")
            return None
        if not isinstance(raw, str):
            self.fail(f"value.{key}", f"must be a string, not {kind(raw)}")
        return raw

    def boolean(self, key: str) -> None:
        raw = self.value.get(key)
        if raw is not None and not isinstance(raw, bool):
            self.fail(f"value.{key}", f"must be true or false, not {kind(raw)}")

    def strings(self, key: str, *, required: bool = True) -> list[str]:
        raw = self.value.get(key)
        if raw is None:
            if required:
                self.fail(f"value.{key}", "is required")
            return []
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.fail(f"value.{key}", "must be a list of strings")
        return raw


def kind(raw: object) -> str:
    """A short JSON-ish name for a value's type, for messages."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "a boolean"
    if isinstance(raw, str):
        return "a string"
    if isinstance(raw, int | float):
        return "a number"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, Mapping):
        return "an object"
    return type(raw).__name__
