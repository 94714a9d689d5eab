"""Aggregated labels: one consensus per task and control, one skill per annotator and control.

Both tables are written whole per project by the `quality.aggregate` job (`services/consensus.py`):
delete-then-insert in one transaction, so readers see either the last run or the one before, never a mix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class TaskConsensus(Base):
    """The consensus `result` (Label Studio's result list for one control) and how sure the method is."""

    __tablename__ = "task_consensus"
    __table_args__ = (
        Index("ix_task_consensus_task", "task_id", "control", unique=True),
        Index("ix_task_consensus_project", "project_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    control: Mapped[str] = mapped_column(String(255))
    result: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    confidence: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class AnnotatorSkill(Base):
    """An annotator's skill for one control as the project's estimator sees it; `gold_accuracy` is their
    share of right answers on gold tasks when gold tasks are used (written by the gold-task service)."""

    __tablename__ = "annotator_skills"
    __table_args__ = (
        Index("ix_annotator_skills_project_user", "project_id", "user_id", "control", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    control: Mapped[str] = mapped_column(String(255))
    skill: Mapped[float | None] = mapped_column(Float, default=None)
    gold_accuracy: Mapped[float | None] = mapped_column(Float, default=None)
    n: Mapped[int] = mapped_column(default=0)
