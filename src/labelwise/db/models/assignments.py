"""Who is asked to work on what: task assignments and annotator pauses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, Timestamp, utcnow

# Label Studio's assignment types: AN to annotate, RE to review.
ASSIGNMENT_TYPES = ("AN", "RE")


class TaskAssignment(Base):
    __tablename__ = "task_assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id", "type", name="uq_task_assignments_task_user_type"),
        # The queue looks up an annotator's assigned tasks of one project in id order.
        Index("ix_task_assignments_queue", "user_id", "project_id", "type", "task_id"),
        Index("ix_task_assignments_project", "project_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(2), default="AN")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Pause(Base):
    """An annotator stopped from taking tasks in one project; resuming sets `deleted_at` (as Label Studio)."""

    __tablename__ = "pauses"
    __table_args__ = (Index("ix_pauses_project_user", "project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # MANUAL, ANNOTATOR_EVALUATION (gold accuracy, step 6), ANNOTATION_LIMIT, CUSTOM_SCRIPT.
    reason: Mapped[str] = mapped_column(String(40), default="MANUAL")
    verbose_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
