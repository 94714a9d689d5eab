"""Quality control: each annotator's answers on gold tasks, and their qualification exams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, Timestamp, utcnow


class GoldAnswer(Base):
    """One submitted annotation on a gold task, scored against the task's ground truth (0..1)."""

    __tablename__ = "gold_answers"
    # Accuracy per annotator (a mean over their rows) and the project's table are both read by this one.
    __table_args__ = (Index("ix_gold_answers_project_user", "project_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column()
    correct: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ExamResult(Base):
    """An annotator's qualification exam in one project: `passed` None while it runs.

    The exam counts the gold answers given since `started_at` (a manager's reset starts a new attempt).
    """

    __tablename__ = "exam_results"
    __table_args__ = (UniqueConstraint("project_id", "user_id", name="uq_exam_results_project_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    passed: Mapped[bool | None] = mapped_column(default=None)
    correct: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
