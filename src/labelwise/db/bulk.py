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


def insert_rows(db: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared rows. JSON values must already be serialized text; timestamps are
    `datetime` objects (converted here for SQLite)."""
    if not rows:
        return
    raw = db.connection().connection.driver_connection
    cols = ", ".join(columns)
    if is_sqlite(db):
        ts = [i for i, v in enumerate(rows[0]) if isinstance(v, datetime)]
        if ts:
            rows = [_sqlite_row(r, ts) for r in rows]
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # type: ignore[union-attr]
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def _sqlite_row(row: Sequence[Any], ts: list[int]) -> list[Any]:
    out = list(row)
    for i in ts:
        if isinstance(out[i], datetime):
            out[i] = sqlite_timestamp(out[i])
    return out
