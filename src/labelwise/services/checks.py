"""Checks every service applies to values from clients, with messages that name the field.

JSON's types are looser than the database's: `true` passes `isinstance(x, int)`, "false" is truthy,
integers can exceed any column, and PostgreSQL text cannot hold U+0000. These helpers turn each of
those into a 400 that says which field, before anything reaches the database.
"""

from __future__ import annotations

from typing import Any

from labelwise.services.errors import Invalid, NotFound

MAX_ID = 2**31 - 1  # the range of an `integer` key column on PostgreSQL


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def as_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be an integer id", {field: ["expected an integer id"]})
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"{field} {value} not found")  # no row can have that id
    return value


def optional_id(value: Any, field: str) -> int | None:
    """A reference inside a body: out of range is bad input (400), not a missing resource."""
    if value is None:
        return None
    if is_id(value):
        return int(value)
    raise Invalid(f"{field} must be an integer id between 1 and {MAX_ID}", {field: ["invalid id"]})


def flag(body: dict[str, Any], field: str, default: bool = False) -> bool:
    """A boolean field: true/false (or absent/null for the default); strings like "false" are refused."""
    value = body.get(field)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false, not {value!r}"[:200], {field: ["expected a boolean"]})
    return value


def text(value: Any, field: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string", {field: ["expected a string"]})
    if len(value) > max_length:
        raise Invalid(f"{field} must have at most {max_length} characters", {field: ["too long"]})
    if "\x00" in value:
        raise Invalid(f"{field} must not contain NUL characters", {field: ["contains U+0000"]})
    return value


def number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{field} must be a number", {field: ["expected a number"]})
    try:
        return float(value)
    except OverflowError as exc:
        raise Invalid(f"{field} is out of range", {field: ["out of range"]}) from exc
