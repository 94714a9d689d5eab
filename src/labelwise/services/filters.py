"""Data-manager filters and selections (Label Studio's `query` parameter) turned into SQL.

Only fields on an allowlist can be filtered, and only with known operators: a filter naming any
other column is a 400, never a probe into columns the caller should not read (Label Studio had an
advisory where filters on related fields leaked password hashes and tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from labelwise.db.models import Task
from labelwise.services.errors import Invalid

FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "id": Task.id,
    "inner_id": Task.inner_id,
    "total_annotations": Task.total_annotations,
    "cancelled_annotations": Task.cancelled_annotations,
    "total_predictions": Task.total_predictions,
    "is_labeled": Task.is_labeled,
    "created_at": Task.created_at,
    "updated_at": Task.updated_at,
}
NUMERIC_OPERATORS = (
    "equal",
    "not_equal",
    "greater",
    "greater_or_equal",
    "less",
    "less_or_equal",
    "in",
    "not_in",
)


@dataclass
class Query:
    """A parsed selection: the conditions to apply and whether anything narrows the task set."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)

    @property
    def narrows(self) -> bool:
        return bool(self.conditions)


INTEGER_FIELDS = {"id", "inner_id", "total_annotations", "cancelled_annotations", "total_predictions"}
DATETIME_FIELDS = {"created_at", "updated_at"}
MAX_INT = 2**31 - 1


def _completed(where: str, operator: str, value: Any) -> ColumnElement[bool]:
    """`completed_at` is set once a task has a finished annotation; only emptiness is asked of it here."""
    if operator != "empty":
        raise Invalid(
            f"{where}: filter:tasks:completed_at supports only the 'empty' operator, not {operator!r}"
        )
    labeled = Task.total_annotations > 0
    return ~labeled if value in (True, "true", "True", 1) else labeled


def _value(field: str, value: Any, where: str) -> Any:
    """A filter value of the column's own type, or a 400 naming the filter."""
    if field in INTEGER_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int) or not -MAX_INT <= value <= MAX_INT:
            raise Invalid(f"{where}: filter:tasks:{field} needs an integer value", {"query": [where]})
        return value
    if field == "is_labeled":
        if not isinstance(value, bool):
            raise Invalid(f"{where}: filter:tasks:{field} needs true or false", {"query": [where]})
        return value
    if field in DATETIME_FIELDS:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        raise Invalid(f"{where}: filter:tasks:{field} needs an ISO 8601 date-time", {"query": [where]})
    raise Invalid(f"{where}: cannot filter on {field!r}", {"query": [where]})


def _condition(item: Any, i: int) -> ColumnElement[bool]:
    where = f"filters.items[{i}]"
    if not isinstance(item, dict):
        raise Invalid(f"{where} must be an object", {"query": [where]})
    name = item.get("filter")
    operator = item.get("operator")
    value = item.get("value")
    if not isinstance(name, str) or not name.startswith("filter:tasks:"):
        raise Invalid(
            f"{where}: cannot filter on {str(name)[:100]!r}; filters look like 'filter:tasks:<field>'",
            {"query": [where]},
        )
    column_name = name.removeprefix("filter:tasks:")
    if column_name == "completed_at":
        return _completed(where, str(operator), value)
    column = FIELDS.get(column_name)
    if column is None:
        allowed = ", ".join(sorted([*FIELDS, "completed_at"]))
        raise Invalid(
            f"{where}: cannot filter on {name[:100]!r}; allowed fields: {allowed}", {"query": [where]}
        )
    if operator == "empty":
        return column.is_(None) if value in (True, "true") else column.is_not(None)
    if operator not in NUMERIC_OPERATORS:
        raise Invalid(f"{where}: unknown operator {str(operator)[:40]!r} for {name}", {"query": [where]})
    if operator in ("in", "not_in"):
        if not isinstance(value, dict) or "min" not in value or "max" not in value:
            raise Invalid(f"{where}: 'in' takes a value {{min, max}}", {"query": [where]})
        inside = column.between(
            _value(column_name, value["min"], where), _value(column_name, value["max"], where)
        )
        return inside if operator == "in" else ~inside
    v = _value(column_name, value, where)
    ops: dict[str, ColumnElement[bool]] = {
        "equal": column == v,
        "not_equal": column != v,
        "greater": column > v,
        "greater_or_equal": column >= v,
        "less": column < v,
        "less_or_equal": column <= v,
    }
    return ops[operator]


def _ids(values: Any, where: str) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise Invalid(f"{where} must be a list of task ids", {"query": [where]})
    return [v for v in values if 1 <= v <= MAX_INT]  # ids out of range cannot exist


def parse(raw: str | None, ids: list[int] | None = None) -> Query:
    """Parse the JSON `query` parameter (filters + selectedItems) and explicit ids."""
    query = Query()
    if ids:
        query.conditions.append(Task.id.in_(_ids(ids, "ids")))
    if not raw:
        return query
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"query is not valid JSON: {exc}", {"query": [str(exc)]}) from exc
    if not isinstance(data, dict):
        raise Invalid("query must be a JSON object", {"query": ["expected an object"]})
    filters = data.get("filters")
    if filters:
        if not isinstance(filters, dict) or not isinstance(filters.get("items", []), list):
            raise Invalid("filters must be {conjunction, items: [...]}", {"query": ["filters"]})
        conds = [_condition(item, i) for i, item in enumerate(filters.get("items", []))]
        if conds:
            conj = filters.get("conjunction", "and")
            if conj not in ("and", "or"):
                raise Invalid(
                    f"filters.conjunction must be 'and' or 'or', not {conj!r}", {"query": ["conjunction"]}
                )
            query.conditions.append(and_(true(), *conds) if conj == "and" else or_(false(), *conds))
    selected = data.get("selectedItems")
    if isinstance(selected, dict):
        if selected.get("all") is False:
            query.conditions.append(Task.id.in_(_ids(selected.get("included", []), "selectedItems.included")))
        elif selected.get("excluded"):
            query.conditions.append(Task.id.not_in(_ids(selected["excluded"], "selectedItems.excluded")))
    return query
