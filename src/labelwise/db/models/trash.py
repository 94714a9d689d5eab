"""Soft deletion: deleted tasks, annotations and predictions wait 30 days in shadow tables.

Why shadow tables and not a `deleted_at` column: every read path (queue, pages, filters, exports,
counters) would have to remember the flag, and a forgotten one leaks deleted work. Rows are moved
set-based (`INSERT … SELECT`, then `DELETE`) and moved back the same way on restore, so the live
tables stay exactly what is live.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import NullType

from labelwise.db.base import Base, Timestamp, utcnow
from labelwise.db.models.annotations import Annotation, Prediction
from labelwise.db.models.tasks import Task


class Deletion(Base):
    """One delete action (one task, one annotation, or a data-manager selection), restorable as a whole."""

    __tablename__ = "deletions"
    __table_args__ = (Index("ix_deletions_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # tasks, annotations, predictions
    kind: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(default=0)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    restored_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    restored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    purged_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)


def _shadow(source: Table, name: str) -> Table:
    """The source's columns (no keys, no defaults) plus `trash_id` and the deletion they belong to."""
    # A foreign-key column's type is resolved from its target lazily; here it is always an integer id.
    columns = [
        Column(c.name, Integer() if isinstance(c.type, NullType) else c.type, nullable=True)
        for c in source.columns
    ]
    return Table(
        name,
        Base.metadata,
        Column("trash_id", Integer, primary_key=True),
        Column("deletion_id", Integer, ForeignKey("deletions.id", ondelete="CASCADE"), nullable=False),
        *columns,
        Index(f"ix_{name}_deletion", "deletion_id"),
    )


def _table(model: type[Base]) -> Table:
    t = model.__table__
    assert isinstance(t, Table)
    return t


trash_tasks = _shadow(_table(Task), "trash_tasks")
trash_annotations = _shadow(_table(Annotation), "trash_annotations")
trash_predictions = _shadow(_table(Prediction), "trash_predictions")
