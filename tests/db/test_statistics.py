"""A bulk import refreshes PostgreSQL's planner statistics before it returns (see db/statistics.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from labelwise.db import statistics
from tests.api.test_tasks_and_import import make_project


@pytest.mark.parametrize(
    ("before", "added", "stale"),
    [(0, 999, False), (0, 1000, True), (2000, 1000, True), (2001, 1000, False), (10**6, 5000, False)],
)
def test_a_project_growing_by_half_with_a_thousand_rows_is_stale(
    before: int, added: int, stale: bool
) -> None:
    assert statistics.stale_after(before, added) is stale


def test_only_known_tables_are_analyzed(db: Session) -> None:
    with pytest.raises(ValueError, match="users; drop"):
        statistics.refresh(db, ["users; drop"])


def _reltuples(db: Session) -> float:
    return float(db.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'tasks'")).scalar_one())


def test_bulk_import_analyzes_tasks_and_a_small_one_does_not(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    if db.get_bind().dialect.name != "postgresql":
        client.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(1500)])
        # SQLite: no statistics table is made, so its planner keeps its fixed index preferences.
        assert db.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first() is None
        return
    assert _reltuples(db) < 1  # a new table was never analyzed (-1) or is empty
    r = client.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(1500)])
    assert r.status_code == 201, r.text
    db.rollback()
    assert _reltuples(db) == 1500  # ANALYZE ran before the import returned
    r = client.post(f"/api/projects/{pid}/import", json=[{"text": f"u{i}"} for i in range(100)])
    assert r.status_code == 201, r.text
    db.rollback()
    assert _reltuples(db) == 1500  # 100 more tasks: not a change worth a new sample
