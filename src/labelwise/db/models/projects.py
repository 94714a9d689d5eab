"""Projects and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    label_config: Mapped[str] = mapped_column(Text, default="<View></View>")
    expert_instruction: Mapped[str] = mapped_column(Text, default="")
    show_instruction: Mapped[bool] = mapped_column(default=False)
    show_skip_button: Mapped[bool] = mapped_column(default=True)
    enable_empty_annotation: Mapped[bool] = mapped_column(default=True)
    show_annotation_history: Mapped[bool] = mapped_column(default=False)
    maximum_annotations: Mapped[int] = mapped_column(default=1)
    sampling: Mapped[str] = mapped_column(String(40), default="Sequential sampling")
    is_published: Mapped[bool] = mapped_column(default=False)
    is_draft: Mapped[bool] = mapped_column(default=False)
    color: Mapped[str] = mapped_column(String(16), default="#FFFFFF")
    model_version: Mapped[str] = mapped_column(String(255), default="")
    # Everything later steps add without a migration per flag (review, blind mode, gold rate...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    # Counters maintained on every write so listing projects never recounts a million tasks.
    task_number: Mapped[int] = mapped_column(default=0)
    total_annotations_number: Mapped[int] = mapped_column(default=0)
    skipped_annotations_number: Mapped[int] = mapped_column(default=0)
    total_predictions_number: Mapped[int] = mapped_column(default=0)
    num_tasks_with_annotations: Mapped[int] = mapped_column(default=0)
    # inner_id of the last task created; with `deleted_tasks == 0` pages map to inner_id ranges.
    last_inner_id: Mapped[int] = mapped_column(default=0)
    deleted_tasks: Mapped[int] = mapped_column(default=0)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id", name="uq_project_members_project_user"),
        Index("ix_project_members_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="annotator")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
