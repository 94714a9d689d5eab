"""Storages a project syncs tasks from, and which stored object became which task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Storage(Base):
    """One source per row; `settings` holds what differs by type (a path; later bucket, prefix)."""

    __tablename__ = "storages"
    __table_args__ = (Index("ix_storages_project", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    regex_filter: Mapped[str] = mapped_column(String(500), default="")
    use_blob_urls: Mapped[bool] = mapped_column(default=True)
    recursive_scan: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="initialized")
    last_sync: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    last_sync_count: Mapped[int] = mapped_column(default=0)
    traceback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class StorageLink(Base):
    """A synced object (a file, by its key under the storage) and the first task made from it:
    what makes a re-sync incremental."""

    __tablename__ = "storage_links"
    __table_args__ = (UniqueConstraint("storage_id", "key", name="uq_storage_links_storage_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_id: Mapped[int] = mapped_column(ForeignKey("storages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(1024))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    task_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
