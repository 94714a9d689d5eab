"""Data-manager filters, orderings and selections (Label Studio's `query`, a view's `data`) turned into SQL.

Only fields on an allowlist can be filtered or sorted, and only with known operators: a filter naming
any other column is a 400, never a probe into columns the caller should not read (Label Studio had an
advisory where filters on related fields leaked password hashes and tokens). Task data is reached only
through `data.<key>` with an identifier-shaped key, passed to the database as a bound JSON path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import eq, ge, gt, le, lt, ne
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from labelwise.db.models import Annotation, Task, TaskAssignment
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
    "agreement": Task.agreement,  # 0 to 1, null below two annotators (services/task_agreement.py)
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
COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "equal": eq,
    "not_equal": ne,
    "greater": gt,
    "greater_or_equal": ge,
    "less": lt,
    "less_or_equal": le,
}
TEXT_OPERATORS = ("contains", "not_contains", "equal", "not_equal", "starts_with", "ends_with", "empty")
ANNOTATOR_OPERATORS = ("contains", "not_contains", "equal", "not_equal")
DATA_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,99}")
MAX_FILTERS = 50
MAX_ORDERING = 5
INTEGER_FIELDS = {"id", "inner_id", "total_annotations", "cancelled_annotations", "total_predictions"}
DATETIME_FIELDS = {"created_at", "updated_at"}
FLOAT_FIELDS = {"agreement"}
MAX_INT = 2**31 - 1
ALLOWED = ", ".join([*sorted([*FIELDS, "completed_at", "annotators", "assignees"]), "data.<key>"])


@dataclass
class Query:
    """A parsed selection: the conditions to apply, the requested order, and whether anything narrows
    the task set. `ordering` holds (field, descending) pairs; field is a FIELDS name or `data.<key>`."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    ordering: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def narrows(self) -> bool:
        return bool(self.conditions)


def _bad(message: str, name: str, where: str) -> Invalid:
    return Invalid(message, {name: [where]})


def _completed(where: str, operator: str, value: Any, name: str) -> ColumnElement[bool]:
    """`completed_at` is set once a task has a finished annotation; only emptiness is asked of it here."""
    if operator != "empty":
        raise _bad(
            f"{where}: filter:tasks:completed_at supports only the 'empty' operator, not {operator!r}",
            name,
            where,
        )
    labeled = Task.total_annotations > 0
    return ~labeled if value in (True, "true", "True", 1) else labeled


def _value(column: str, value: Any, where: str, name: str) -> Any:
    """A filter value of the column's own type, or a 400 naming the filter."""
    if column in INTEGER_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int) or not -MAX_INT <= value <= MAX_INT:
            raise _bad(f"{where}: filter:tasks:{column} needs an integer value", name, where)
        return value
    if column in FLOAT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1e9 <= value <= 1e9:
            raise _bad(f"{where}: filter:tasks:{column} needs a number (agreement: 0 to 1)", name, where)
        return float(value)
    if column == "is_labeled":
        if not isinstance(value, bool):
            raise _bad(f"{where}: filter:tasks:{column} needs true or false", name, where)
        return value
    if column in DATETIME_FIELDS:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        raise _bad(f"{where}: filter:tasks:{column} needs an ISO 8601 date-time", name, where)
    raise _bad(f"{where}: cannot filter on {column!r}", name, where)


def data_key(column: str, where: str, name: str) -> str:
    """The key of a `data.<key>` field, checked: an identifier, so the JSON path cannot be steered."""
    key = column.removeprefix("data.")
    if not DATA_KEY.fullmatch(key):
        raise _bad(
            f"{where}: {column[:100]!r} is not a data field name (letters, digits, _ and -)", name, where
        )
    return key


def data_text(key: str) -> ColumnElement[Any]:
    """A task's `data[key]` as text on either database (SQLite `json_extract`, PostgreSQL `->>`)."""
    text: ColumnElement[Any] = Task.data[key].as_string()
    return text


def _data_condition(column: str, operator: Any, value: Any, where: str, name: str) -> ColumnElement[bool]:
    key = data_key(column, where, name)
    text = data_text(key)
    if operator not in TEXT_OPERATORS:
        raise _bad(f"{where}: unknown operator {str(operator)[:40]!r} for data.{key}", name, where)
    if operator == "empty":
        missing = or_(text.is_(None), text == "")
        return missing if value in (True, "true") else ~missing
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _bad(f"{where}: filter:tasks:data.{key} needs a text value", name, where)
    v = str(value)
    if len(v) > 1000 or "\x00" in v:
        raise _bad(f"{where}: the value for data.{key} is too long or holds NUL", name, where)
    ops: dict[str, ColumnElement[bool]] = {
        "contains": text.icontains(v, autoescape=True),
        "not_contains": or_(text.is_(None), ~text.icontains(v, autoescape=True)),
        "equal": text == v,
        "not_equal": or_(text.is_(None), text != v),
        "starts_with": text.istartswith(v, autoescape=True),
        "ends_with": text.iendswith(v, autoescape=True),
    }
    return ops[operator]


def _annotators_condition(operator: Any, value: Any, where: str, name: str) -> ColumnElement[bool]:
    """Tasks someone annotated (EXISTS on the annotations' (completed_by_id, task_id) index)."""
    if operator not in ANNOTATOR_OPERATORS:
        raise _bad(f"{where}: unknown operator {str(operator)[:40]!r} for annotators", name, where)
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise _bad(f"{where}: filter:tasks:annotators needs a user id (or a list of them)", name, where)
    ids = [v for v in values if 1 <= v <= MAX_INT]
    annotated = exists(
        select(Annotation.id).where(Annotation.task_id == Task.id, Annotation.completed_by_id.in_(ids))
    )
    return annotated if operator in ("contains", "equal") else ~annotated


def _assignees_condition(operator: Any, value: Any, where: str, name: str) -> ColumnElement[bool]:
    """Tasks assigned to someone for annotation (EXISTS on the (task_id, user_id, type) unique index)."""
    if operator not in ANNOTATOR_OPERATORS:
        raise _bad(f"{where}: unknown operator {str(operator)[:40]!r} for assignees", name, where)
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise _bad(f"{where}: filter:tasks:assignees needs a user id (or a list of them)", name, where)
    ids = [v for v in values if 1 <= v <= MAX_INT]
    assigned = exists(
        select(TaskAssignment.id).where(
            TaskAssignment.task_id == Task.id, TaskAssignment.user_id.in_(ids), TaskAssignment.type == "AN"
        )
    )
    return assigned if operator in ("contains", "equal") else ~assigned


def _condition(item: Any, i: int, name: str) -> ColumnElement[bool]:
    where = f"filters.items[{i}]"
    if not isinstance(item, dict):
        raise _bad(f"{where} must be an object", name, where)
    filter_name = item.get("filter")
    operator = item.get("operator")
    value = item.get("value")
    if not isinstance(filter_name, str) or not filter_name.startswith("filter:tasks:"):
        raise _bad(
            f"{where}: cannot filter on {str(filter_name)[:100]!r}; filters look like 'filter:tasks:<field>'",
            name,
            where,
        )
    column_name = filter_name.removeprefix("filter:tasks:")
    if column_name == "completed_at":
        return _completed(where, str(operator), value, name)
    if column_name.startswith("data."):
        return _data_condition(column_name, operator, value, where, name)
    if column_name == "annotators":
        return _annotators_condition(operator, value, where, name)
    if column_name == "assignees":
        return _assignees_condition(operator, value, where, name)
    column = FIELDS.get(column_name)
    if column is None:
        raise _bad(f"{where}: cannot filter on {filter_name[:100]!r}; allowed fields: {ALLOWED}", name, where)
    if operator == "empty":
        return column.is_(None) if value in (True, "true") else column.is_not(None)
    if operator not in NUMERIC_OPERATORS:
        raise _bad(f"{where}: unknown operator {str(operator)[:40]!r} for {filter_name}", name, where)
    if operator in ("in", "not_in"):
        if not isinstance(value, dict) or "min" not in value or "max" not in value:
            raise _bad(f"{where}: 'in' takes a value {{min, max}}", name, where)
        inside = column.between(
            _value(column_name, value["min"], where, name), _value(column_name, value["max"], where, name)
        )
        return inside if operator == "in" else ~inside
    v = _value(column_name, value, where, name)
    if column_name == "is_labeled" and operator not in ("equal", "not_equal"):
        raise _bad(f"{where}: filter:tasks:is_labeled takes 'equal' or 'not_equal'", name, where)
    return COMPARE[operator](column, v)


def conditions(filters: Any, name: str = "query") -> list[ColumnElement[bool]]:
    """LS's `{conjunction, items: [...]}` as SQL conditions (none for an empty or missing group).

    `name` is the field a 400 names: `query` for a request's query, `filters` for a saved view.
    """
    if not filters:
        return []
    if not isinstance(filters, dict) or not isinstance(filters.get("items", []), list):
        raise _bad("filters must be {conjunction, items: [...]}", name, "filters")
    items = filters.get("items", [])
    if len(items) > MAX_FILTERS:
        raise _bad(f"at most {MAX_FILTERS} filters", name, "filters.items")
    conds = [_condition(item, i, name) for i, item in enumerate(items)]
    if not conds:
        return []
    conj = filters.get("conjunction", "and")
    if conj not in ("and", "or"):
        raise _bad(f"filters.conjunction must be 'and' or 'or', not {str(conj)[:20]!r}", name, "conjunction")
    return [and_(true(), *conds) if conj == "and" else or_(false(), *conds)]


ORDER_FIELDS = {"id", "inner_id", "total_annotations", "cancelled_annotations", "total_predictions"}
ORDER_FIELDS |= {"is_labeled", "created_at", "updated_at", "agreement"}
# Ordered with their nulls last either way, the same on SQLite and PostgreSQL (tasks without a value).
NULLS_LAST = {"agreement"}


def ordering(raw: Any, name: str = "ordering") -> list[tuple[str, bool]]:
    """LS's `ordering` (`["-tasks:id"]`, `["tasks:data.text"]`; the `tasks:` prefix optional) checked."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) > MAX_ORDERING:
        raise _bad(f"ordering must be a list of at most {MAX_ORDERING} field names", name, "ordering")
    out: list[tuple[str, bool]] = []
    for i, entry in enumerate(raw):
        where = f"ordering[{i}]"
        if not isinstance(entry, str) or not entry:
            raise _bad(f"{where} must be a field name like '-tasks:id'", name, where)
        descending = entry.startswith("-")
        column = entry.removeprefix("-").removeprefix("tasks:")
        if column.startswith("data."):
            column = "data." + data_key(column, where, name)
        elif column not in ORDER_FIELDS:
            allowed = ", ".join(f"tasks:{f}" for f in sorted(ORDER_FIELDS)) + ", tasks:data.<key>"
            raise _bad(f"{where}: cannot order by {entry[:100]!r}; allowed: {allowed}", name, where)
        out.append((column, descending))
    return out


def _ids(values: Any, where: str) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise Invalid(f"{where} must be a list of task ids", {"query": [where]})
    return [v for v in values if 1 <= v <= MAX_INT]  # ids out of range cannot exist


def selection(selected: Any, name: str = "query") -> list[ColumnElement[bool]]:
    """LS's `selectedItems`: `{all: false, included: [ids]}` or `{all: true, excluded: [ids]}`."""
    if selected is None:
        return []
    if not isinstance(selected, dict) or not isinstance(selected.get("all"), bool):
        raise Invalid(
            "selectedItems must be {all: false, included: [...]} or {all: true, excluded: [...]}",
            {name: ["selectedItems"]},
        )
    if selected["all"] is False:
        return [Task.id.in_(_ids(selected.get("included", []), "selectedItems.included"))]
    if selected.get("excluded"):
        return [Task.id.not_in(_ids(selected["excluded"], "selectedItems.excluded"))]
    return []


def view_query(data: dict[str, Any]) -> Query:
    """The filters and ordering a saved view's `data` holds (already checked when it was saved)."""
    return Query(conditions(data.get("filters"), "filters"), ordering(data.get("ordering"), "ordering"))


def parse(raw: str | None, ids: list[int] | None = None, base: Query | None = None) -> Query:
    """Parse the JSON `query` parameter (filters + ordering + selectedItems) and explicit ids.

    `base` is a view's query: the request's `filters` and `ordering`, when given, replace the view's
    (Label Studio's rule); a selection and ids narrow further.
    """
    query = Query(list(base.conditions), list(base.ordering)) if base else Query()
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
    return merge(query, data, base)


def merge(query: Query, data: dict[str, Any], base: Query | None = None) -> Query:
    """Apply a request's `{filters, ordering, selectedItems}` object onto `query` (see `parse`)."""
    if data.get("filters"):
        own = conditions(data["filters"])
        if base is not None:
            query.conditions = [c for c in query.conditions if not any(c is b for b in base.conditions)]
        query.conditions = own + query.conditions
    if data.get("ordering"):
        query.ordering = ordering(data["ordering"], "query")
    query.conditions += selection(data.get("selectedItems"))
    return query
