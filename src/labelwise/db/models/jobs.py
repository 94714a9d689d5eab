"""Background work: one row per job, so a restart finds what was running and resumes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class Job(Base):
    """A unit of background work (an export snapshot, an import, later pre-annotation runs).

    `params` is everything the job function needs to start again from nothing; `checkpoint` is
    what it needs to continue where it stopped. Status: queued, running, completed, failed,
    cancelled.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status", "status", "id"),
        Index("ix_jobs_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    checkpoint: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str] = mapped_column(Text, default="")
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)


class ExportSnapshot(Base):
    """Label Studio's export snapshot (`/api/projects/{id}/exports/`): a file written in the
    background from the options it was created with, downloadable and convertible later."""

    __tablename__ = "export_snapshots"
    __table_args__ = (Index("ix_export_snapshots_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="created")
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    counters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Files under <data_dir>/exports/, by format: {"JSON": {"path", "size", "md5", "status"}, ...}
    files: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    md5: Mapped[str] = mapped_column(String(32), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)


class FileUpload(Base):
    """A file uploaded into a project and kept: media served at `/data/upload/<project>/<name>`.

    `name` is the stored file name (a random prefix and a sanitized original name), unique per
    project; `original_name` is what the client sent, for display only.
    """

    __tablename__ = "file_uploads"
    __table_args__ = (Index("ix_file_uploads_project_name", "project_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(300))
    original_name: Mapped[str] = mapped_column(String(1024), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
