"""Tasks, task locks and imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "inner_id", name="uq_tasks_project_inner"),
        # The queue scans unlabeled tasks of one project in id order.
        Index("ix_tasks_queue", "project_id", "is_labeled", "id"),
        # Tasks in progress (some annotations, not yet labeled) are finished before new ones.
        Index("ix_tasks_queue_progress", "project_id", "is_labeled", text("total_annotations DESC"), "id"),
        # Partial: hashes are written only when de-duplication is used, so plain imports pay nothing.
        Index(
            "ix_tasks_project_hash",
            "project_id",
            "data_hash",
            sqlite_where=text("data_hash IS NOT NULL"),
            postgresql_where=text("data_hash IS NOT NULL"),
        ),
        # Gold tasks of a project in id order (the queue's gold branch). Partial, so a query asking for
        # `is_gold = false` (every normal rule) can never pick it over `ix_tasks_queue`.
        Index(
            "ix_tasks_gold",
            "project_id",
            "is_gold",
            "id",
            sqlite_where=text("is_gold = 1"),
            postgresql_where=text("is_gold = true"),
        ),
        # The data manager orders and filters a project's tasks by agreement (services/task_agreement.py).
        Index("ix_tasks_agreement", "project_id", "agreement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    inner_id: Mapped[int] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    data_hash: Mapped[str | None] = mapped_column(String(32), default=None)
    import_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    is_labeled: Mapped[bool] = mapped_column(default=False)
    total_annotations: Mapped[int] = mapped_column(default=0)
    cancelled_annotations: Mapped[int] = mapped_column(default=0)
    total_predictions: Mapped[int] = mapped_column(default=0)
    # Review counters (Label Studio Enterprise's task fields); server defaults because bulk imports
    # name only the columns they fill.
    reviews_accepted: Mapped[int] = mapped_column(server_default="0")
    reviews_rejected: Mapped[int] = mapped_column(server_default="0")
    # A gold task (honeypot) has a ground-truth annotation; it is mixed into queues by `gold_rate`
    # only (services/gold.py), never handed out by the normal rules.
    is_gold: Mapped[bool] = mapped_column(server_default=false(), default=False)
    # The mean over annotator pairs and controls of how much its submitted annotations agree (0 to 1);
    # None below two annotators. Kept by services/task_agreement.py on every annotation write.
    agreement: Mapped[float | None] = mapped_column(default=None)


class TaskLock(Base):
    """A short lease on a task handed out by the queue, so overlap is never exceeded."""

    __tablename__ = "task_locks"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id", name="uq_task_locks_task_user"),
        Index("ix_task_locks_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expire_at: Mapped[datetime] = mapped_column(Timestamp)


class Import(Base):
    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_project", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="created")
    task_count: Mapped[int] = mapped_column(default=0)
    annotation_count: Mapped[int] = mapped_column(default=0)
    prediction_count: Mapped[int] = mapped_column(default=0)
    duration: Mapped[float] = mapped_column(default=0.0)
    file_upload_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    found_formats: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    data_columns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
