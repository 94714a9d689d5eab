"""Prepared statements store and read values exactly as SQLAlchemy does, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Text, bindparam, cast, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.db.base import table
from labelwise.db.models import Activity, TaskLock, User
from labelwise.db.prepared import Prepared

A = table(Activity).c
COLUMNS = ("created_at", "user_id", "project_id", "action", "object_type", "object_id", "detail")
ROW = {
    "created_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    "user_id": 7,
    "project_id": None,
    "action": "probe",
    "object_type": "thing",
    "object_id": 2_000_000_000,
    "detail": {"text": "héllo \u2028 <b>", "nested": [1, 2.5, None, True], "empty": {}},
}


def test_insert_stores_what_the_orm_stores(db: Session) -> None:
    [(prepared_id,)] = Prepared(insert(table(Activity)).returning(A.id), COLUMNS).run(db, ROW)
    orm_row = Activity(**ROW)
    db.add(orm_row)
    db.commit()
    stored = select(A.created_at.cast(Text), cast(A.detail, Text), A.object_id, A.project_id).where(
        A.id.in_([prepared_id, orm_row.id])
    )
    first, second = db.execute(stored).all()
    assert first == second  # the same text in the database, byte for byte
    loaded = db.get(Activity, prepared_id)
    assert loaded is not None and loaded.detail == ROW["detail"]
    assert _aware(loaded.created_at) == ROW["created_at"]


def _aware(value: datetime) -> datetime:
    """SQLite keeps no zone: its timestamps are UTC by convention and come back naive."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def test_select_rows_come_back_through_the_column_types(db: Session) -> None:
    Prepared(insert(table(Activity)), COLUMNS).run(db, ROW)
    db.commit()
    query = Prepared(select(A.detail, A.created_at, A.object_id).where(A.action == bindparam("action")))
    [(detail, created_at, object_id)] = query.run(db, {"action": "probe"})
    assert (detail, _aware(created_at), object_id) == (ROW["detail"], ROW["created_at"], 2_000_000_000)
    assert query.run(db, {"action": "absent"}) == []


def test_statement_relying_on_python_defaults_is_refused(db: Session) -> None:
    without_time = Prepared(insert(table(Activity)), [c for c in COLUMNS if c != "created_at"])
    with pytest.raises(TypeError, match="created_at"):
        without_time.run(db, {k: v for k, v in ROW.items() if k != "created_at"})


def test_driver_errors_surface_as_sqlalchemy_errors_and_roll_back(db: Session, admin: User) -> None:
    lease = Prepared(insert(table(TaskLock)), ["task_id", "user_id", "expire_at"])
    with pytest.raises(IntegrityError):  # both databases check the foreign key at statement end
        lease.run(db, {"task_id": 999_999, "user_id": admin.id, "expire_at": ROW["created_at"]})
    db.rollback()
    assert db.scalar(select(table(TaskLock).c.id)) is None
