"""Saved data-manager views (Label Studio's `/api/dm/views`) and installation-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class View(Base):
    """A tab of the data manager: `data` holds LS's `{title, filters, ordering, hiddenColumns, ...}` as given."""

    __tablename__ = "dm_views"
    __table_args__ = (Index("ix_dm_views_project", "project_id", "order", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class AppSetting(Base):
    """One installation-wide value by key (the invitation token, ...), so it survives restarts and is shared
    by every server process."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType, default=None)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
