"""Storages a project syncs tasks from, and which stored object became which task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Storage(Base):
    """One source per row, every type in this table.

    The fields every Label Studio import storage has (filter, blob URLs, recursion, sync state)
    are columns; what differs by type lives in `settings` (a local `path`; later a bucket and a
    prefix), so a new type needs no migration.
    """

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
    last_sync_job: Mapped[str | None] = mapped_column(String(100), default=None)
    traceback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class StorageLink(Base):
    """A synced file (by its key under the storage's directory) and the tasks made from it.

    What makes a re-sync incremental: a key with a link is never imported again. A file of tasks
    points at its first task and counts them all. Deleting that task keeps the link (the FK sets
    NULL): cascading would forget the file and the next sync would import its other tasks again.
    """

    __tablename__ = "storage_links"
    __table_args__ = (
        UniqueConstraint("storage_id", "key", name="uq_storage_links_storage_key"),
        Index("ix_storage_links_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_id: Mapped[int] = mapped_column(ForeignKey("storages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(1024))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    task_count: Mapped[int] = mapped_column(default=0)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mtime: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
