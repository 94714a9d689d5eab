"""A task's Label Studio JSON built by the database itself, for exports of millions of tasks.

Building a dict per task in Python and encoding it was most of an export's time. SQLite's
`json_object` and PostgreSQL's `json_build_object` write the object in C; Python then only appends
the task's annotations, drafts and predictions. Keys and their order are those of
`io.ls_json.task`; timestamps are ISO 8601 UTC with a `Z`, as the encoder writes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, literal_column

from labelwise.db.base import table
from labelwise.db.models import Task

_T = table(Task).c


def _const(sql: str) -> ColumnElement[Any]:
    return literal_column(sql)


def _key(name: str) -> ColumnElement[Any]:
    return literal_column(f"'{name}'")


def _stamp(dialect: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if dialect == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
        return func.replace(column, " ", "T").op("||")(_const("'Z'"))
    return func.to_char(
        column.op("AT TIME ZONE")(_const("'UTC'")), _const('\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\'')
    )


def _sqlite_concat() -> ColumnElement[str]:
    """The same object as `json_object` writes it, by string concatenation.

    `json_object(..., json(data), ...)` parses and re-renders every task's data, which cost SQLite
    more than the rest of an export together; the stored text is already minified JSON (every
    write goes through orjson or SQLite's own JSON functions), so it is embedded verbatim.
    """
    template = (
        '{"id":%d,"data":%s,"meta":%s,"created_at":"%sZ","updated_at":"%sZ","inner_id":%d,'
        '"total_annotations":%d,"cancelled_annotations":%d,"total_predictions":%d,"comment_count":0,'
        '"unresolved_comment_count":0,"last_comment_updated_at":null,"project":%d,"updated_by":null,'
        '"file_upload":null,"comment_authors":[],"is_labeled":%s,"overlap":1,"annotations":[],'
        '"drafts":[],"predictions":[]}'
    )
    # One printf builds the whole object in one allocation; `||` chains copied it twenty times.
    sql = (
        f"printf('{template}', tasks.id, tasks.data, tasks.meta, replace(tasks.created_at, ' ', 'T'),"
        " replace(tasks.updated_at, ' ', 'T'), tasks.inner_id, tasks.total_annotations,"
        " tasks.cancelled_annotations, tasks.total_predictions, tasks.project_id,"
        " CASE WHEN tasks.is_labeled THEN 'true' ELSE 'false' END)"
    )
    return literal_column(sql, type_=Text)


def task_object(dialect: str) -> ColumnElement[str]:
    """One text column: the task as a JSON object, its annotations, drafts and predictions empty."""
    sqlite = dialect == "sqlite"
    if sqlite:
        return _sqlite_concat()
    null = func.json(_const("'null'")) if sqlite else _const("NULL::json")
    empty_list = func.json(_const("'[]'")) if sqlite else _const("'[]'::json")
    values: list[tuple[str, ColumnElement[Any]]] = [
        ("id", _T.id),
        ("data", func.json(_T.data) if sqlite else _T.data),
        ("meta", func.json(_T.meta) if sqlite else _T.meta),
        ("created_at", _stamp(dialect, _T.created_at)),
        ("updated_at", _stamp(dialect, _T.updated_at)),
        ("inner_id", _T.inner_id),
        ("total_annotations", _T.total_annotations),
        ("cancelled_annotations", _T.cancelled_annotations),
        ("total_predictions", _T.total_predictions),
        ("comment_count", _const("0")),
        ("unresolved_comment_count", _const("0")),
        ("last_comment_updated_at", null),
        ("project", _T.project_id),
        ("updated_by", null),
        ("file_upload", null),
        ("comment_authors", empty_list),
        (
            "is_labeled",
            func.json(_const("CASE WHEN tasks.is_labeled THEN 'true' ELSE 'false' END"))
            if sqlite
            else _T.is_labeled,
        ),
        ("overlap", _const("1")),
        # Written empty; the export splices in the real lists for the few tasks that have some.
        ("annotations", empty_list),
        ("drafts", empty_list),
        ("predictions", empty_list),
    ]
    args = [part for key, value in values for part in (_key(key), value)]
    if sqlite:
        return func.json_object(*args, type_=Text)
    return cast(func.json_build_object(*args), Text)
