"""Driver-level bulk writes: the fast path for imports of hundreds of thousands of rows.

The ORM (and even Core executemany) spends most of its time per row in Python; here rows go to
the driver directly: one `executemany` on SQLite, `COPY` on PostgreSQL. Ids are allocated up front
so annotations and predictions of the same import can reference their tasks without a round trip.
Everything runs on the session's own connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def is_sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


def sqlite_timestamp(value: datetime) -> str:
    """The text form SQLAlchemy's SQLite DateTime type reads back (naive UTC)."""
    return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def allocate_ids(db: Session, table: str, n: int) -> list[int]:
    """Reserve `n` primary keys for `table`.

    SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so max(id) is stable until commit.
    PostgreSQL: draw from the table's sequence, which is safe under any concurrency.
    """
    if n <= 0:
        return []
    if is_sqlite(db):
        start = int(db.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()) + 1
        return list(range(start, start + n))
    rows = db.execute(
        text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
        {"n": n},
    ).scalars()
    return [int(r) for r in rows]


def timestamp(db: Session, value: datetime) -> Any:
    """A timestamp in the form `insert_rows` passes to this session's driver; convert once per batch."""
    return sqlite_timestamp(value) if is_sqlite(db) else value


def insert_rows(db: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared rows. JSON values must already be serialized text and timestamps made
    with `timestamp()`."""
    if not rows:
        return
    raw = db.connection().connection.driver_connection
    cols = ", ".join(columns)
    if is_sqlite(db):
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # type: ignore[union-attr]
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def insert_tasks_from_json(
    db: Session, body: str, n: int, project_id: int, first_inner: int, import_id: int, stamp: Any
) -> list[int]:
    """Store every element of a JSON array (already validated) as the `data` of one new task.

    The database's own JSON code splits the array, so no Python object is built or serialized
    per task: on SQLite through `json_each`, on PostgreSQL through `jsonb_array_elements`. This is
    the path of a plain `POST /import` of flat items, the most common import there is.
    """
    if is_sqlite(db):
        first_id = allocate_ids(db, "tasks", 1)[0] if n else 0
        db.execute(
            text(
                "INSERT INTO tasks (id, project_id, inner_id, data, meta, data_hash, import_id, created_at,"
                " updated_at, is_labeled, total_annotations, cancelled_annotations, total_predictions)"
                " SELECT :first_id + key, :pid, :first_inner + key, value, '{}', NULL, :imp, :ts, :ts,"
                " 0, 0, 0, 0 FROM json_each(:body)"
            ),
            {"first_id": first_id, "pid": project_id, "first_inner": first_inner, "imp": import_id,
             "ts": stamp, "body": body},
        )  # fmt: skip
        return list(range(first_id, first_id + n))
    rows = db.execute(
        text(
            "INSERT INTO tasks (project_id, inner_id, data, meta, data_hash, import_id, created_at,"
            " updated_at, is_labeled, total_annotations, cancelled_annotations, total_predictions)"
            " SELECT :pid, :first_inner + e.ord - 1, e.value, '{}'::jsonb, NULL, :imp, :ts, :ts,"
            " false, 0, 0, 0 FROM jsonb_array_elements(CAST(:body AS jsonb)) WITH ORDINALITY AS e(value, ord) ORDER BY e.ord"
            " RETURNING id, inner_id"
        ),
        {"pid": project_id, "first_inner": first_inner, "imp": import_id, "ts": stamp, "body": body},
    ).all()
    return [r.id for r in sorted(rows, key=lambda r: r.inner_id)]
