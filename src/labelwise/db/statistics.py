"""Planner statistics refreshed after a bulk write, on PostgreSQL.

Autovacuum analyzes a table a minute or more after a large change. Until then the planner believes the
old row counts: right after importing a project's tasks it estimates a handful of rows for the project,
and the queue's `LIMIT 1` walks turn into a bitmap scan and a sort of every task on each `next` (measured:
25 ms per choice on 5,000 fresh tasks instead of 1, and 30 instead of 106 annotations a second for a team of
50). So an import that grows a project by half or more (and by at least `MIN_ROWS`) analyzes the tables it
wrote before it returns: a sample of 30,000 rows, a fraction of the import's own time, and at most a
logarithmic number of times as a project grows. SQLite's planner has no statistics to go stale here
(`sqlite_stat1` is absent, so it keeps its fixed index preferences).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

MIN_ROWS = 1000
# Only these names reach the statement; they are not user input.
TABLES = frozenset({"tasks", "annotations", "predictions"})


def stale_after(rows_before: int, rows_added: int) -> bool:
    """Whether adding `rows_added` to a project of `rows_before` is a change the planner must see."""
    return rows_added >= MIN_ROWS and rows_added * 2 >= rows_before


def refresh(db: Session, tables: list[str]) -> None:
    """ANALYZE the given tables on PostgreSQL (takes only a lock that lets reads and writes go on)."""
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise ValueError(f"not a table whose statistics are refreshed: {unknown[0]!r}")
    if db.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        db.execute(text(f"ANALYZE {name}"))
    db.commit()
