"""The append-only audit trail of who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Activity(Base):
    """No foreign keys on purpose: the trail must survive deletion of what it describes."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_project", "project_id", "id"),
        Index("ix_activity_user", "user_id", "id"),
        Index("ix_activity_action", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(default=None)
    project_id: Mapped[int | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Where a request-driven event came from (sign-ins above all); empty for background work.
    ip_address: Mapped[str] = mapped_column(String(64), server_default="")
    user_agent: Mapped[str] = mapped_column(String(255), server_default="")
