"""Annotations with their history, predictions and drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_task", "task_id"),
        Index("ix_annotations_project", "project_id", "id"),
        Index("ix_annotations_user_task", "completed_by_id", "task_id"),
        # The review queue walks one project's annotations waiting for review in id order.
        Index(
            "ix_annotations_review_queue",
            "project_id",
            "id",
            sqlite_where=text("review_state IS NULL AND was_cancelled IS 0"),
            postgresql_where=text("review_state IS NULL AND was_cancelled IS false"),
        ),
        # The queue hands rejected work back to its author first: a partial index holds only those.
        Index(
            "ix_annotations_rejected",
            "completed_by_id",
            "project_id",
            "task_id",
            sqlite_where=text("review_state = 'rejected'"),
            postgresql_where=text("review_state = 'rejected'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    # Denormalized so exports and stats read one project's annotations without a join.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    result: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    was_cancelled: Mapped[bool] = mapped_column(default=False)
    ground_truth: Mapped[bool] = mapped_column(default=False)
    lead_time: Mapped[float | None] = mapped_column(default=None)
    parent_prediction_id: Mapped[int | None] = mapped_column(default=None)
    parent_annotation_id: Mapped[int | None] = mapped_column(default=None)
    last_action: Mapped[str | None] = mapped_column(String(40), default=None)
    review_state: Mapped[str | None] = mapped_column(String(20), default=None)
    # Why the annotator skipped (was_cancelled), when they said; free text, at most 500 characters.
    skip_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    unique_id: Mapped[str] = mapped_column(String(36))
    import_id: Mapped[int | None] = mapped_column(default=None)
    draft_created_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class AnnotationHistory(Base):
    """Every state an annotation passed through; rows outlive the annotation itself."""

    __tablename__ = "annotation_history"
    __table_args__ = (Index("ix_annotation_history_annotation", "annotation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column()
    task_id: Mapped[int] = mapped_column()
    project_id: Mapped[int] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(20))
    result: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    was_cancelled: Mapped[bool] = mapped_column(default=False)
    ground_truth: Mapped[bool] = mapped_column(default=False)
    lead_time: Mapped[float | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Prediction(Base):
    __tablename__ = "predictions"
    __table_args__ = (
        Index("ix_predictions_task", "task_id"),
        Index("ix_predictions_project", "project_id", "id"),
        # Uncertainty sampling walks a project's predictions from the lowest score up.
        Index("ix_predictions_project_score", "project_id", "score", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    result: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    score: Mapped[float | None] = mapped_column(default=None)
    model_version: Mapped[str] = mapped_column(String(255), default="")
    cluster: Mapped[int | None] = mapped_column(default=None)
    mislabeling: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_task_user", "task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    annotation_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    result: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    lead_time: Mapped[float | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
