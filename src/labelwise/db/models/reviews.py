"""Reviewers' verdicts on annotations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class AnnotationReview(Base):
    """Accept, reject with a comment, or fix (`result` is the fixed result; the annotation's history keeps both)."""

    __tablename__ = "annotation_reviews"
    __table_args__ = (
        Index("ix_annotation_reviews_annotation", "annotation_id", "id"),
        Index("ix_annotation_reviews_project", "project_id", "id"),
        Index("ix_annotation_reviews_reviewer", "created_by_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    previous_annotation_history_id: Mapped[int | None] = mapped_column(default=None)
    fixed_annotation_history_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
