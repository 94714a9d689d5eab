"""Imports run in the background, for the web import dialog: the files are uploaded (staged)
first, then a job imports them while the page polls `/api/projects/{id}/imports/{import_id}`.

The import row exists from the start (status `created`, then `in_progress`, then `completed` or
`failed` with the reason), so a client has something to poll at once. Progress is measured in
bytes of the staged files read so far: the only measure known before the first task is parsed.
The import itself is one transaction as always; its row turns `completed` in that same
transaction, which is what makes a job resumed after a crash do nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from labelwise import jobs
from labelwise.db.engine import begin_write
from labelwise.db.models import FileUpload, Import, Job, Project, User
from labelwise.services import projects, users
from labelwise.services.errors import Invalid, ServiceError
from labelwise.services.intake import Intake

KIND = "import"


def queue(
    db: Session, project: Project, user: User, chosen: list[FileUpload], skip_duplicates: bool
) -> Import:
    """Write the import row and its job; the caller answers with the row's id to poll."""
    begin_write(db)
    imp = Import(
        project_id=project.id, user_id=user.id, status="created", file_upload_ids=[u.id for u in chosen]
    )
    db.add(imp)
    db.flush()
    params = {
        "import_id": imp.id,
        "file_upload_ids": [u.id for u in chosen],
        "skip_duplicates": skip_duplicates,
    }
    jobs.submit(db, KIND, params, project_id=project.id, user_id=user.id)  # commits both rows
    return imp


def job_of(db: Session, imp: Import) -> Job | None:
    return db.scalar(
        select(Job)
        .where(
            Job.project_id == imp.project_id, Job.kind == KIND, Job.params["import_id"].as_integer() == imp.id
        )
        .order_by(Job.id.desc())
        .limit(1)
    )


def progress(db: Session, imp: Import) -> dict[str, Any] | None:
    """`{done, total}` in bytes while the import runs (live from this process, else the job row)."""
    if imp.status not in ("created", "in_progress"):
        return None
    job = job_of(db, imp)
    if job is None:
        return None
    done, total = jobs.live(job.id) or (job.progress_done, job.progress_total)
    return {"done": done, "total": total}


@dataclass
class _Bytes:
    """A stream that reports how much of all the staged files has been read."""

    stream: BinaryIO
    ctx: jobs.Context
    counter: list[int]
    total: int

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.counter[0] += len(data)
        self.ctx.progress(self.counter[0], self.total)
        self.ctx.check_cancelled()
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def seekable(self) -> bool:
        return self.stream.seekable()

    def tell(self) -> int:
        return self.stream.tell()

    def readable(self) -> bool:
        return True


def _mark(ctx: jobs.Context, import_id: int, status: str, error: str = "") -> None:
    with ctx.sessionmaker() as db:
        begin_write(db)
        values: dict[str, Any] = {"status": status, "error": error[:4000]}
        if status == "failed":
            values["finished_at"] = datetime.now(UTC)
        db.execute(update(Import).where(Import.id == import_id).values(**values))
        db.commit()


def run(ctx: jobs.Context) -> dict[str, Any]:
    import_id = int(ctx.params["import_id"])
    with ctx.sessionmaker() as db:
        imp = db.get(Import, import_id)
        if imp is None:
            raise Invalid(f"import {import_id} no longer exists")
        if imp.status == "completed":  # committed before a crash: the work is done
            return {"task_count": imp.task_count}
        project = projects.get(db, imp.project_id)
        user = users.get(db, imp.user_id) if imp.user_id is not None else None
        if user is None:
            raise Invalid("the user who started this import no longer exists")
        wanted = [int(i) for i in ctx.params["file_upload_ids"]]
        by_id = {u.id: u for u in db.scalars(select(FileUpload).where(FileUpload.id.in_(wanted)))}
        chosen = [by_id[i] for i in wanted if i in by_id]
        if len(chosen) != len(wanted):
            raise Invalid("some of the uploaded files were deleted before the import ran")
        db.rollback()
        _mark(ctx, import_id, "in_progress")
        total = sum(u.size for u in chosen)
        counter = [0]
        intake = Intake(db, ctx.settings, project, user)

        def wrap(stream: BinaryIO) -> BinaryIO:
            return _Bytes(stream, ctx, counter, total)  # type: ignore[return-value]

        records = (r for u in chosen for r in intake.staged(u, wrap))
        try:
            result = intake.store(records, bool(ctx.params.get("skip_duplicates")), import_id=import_id)
        except jobs.Interrupted:  # the server is stopping: the job runs again after the restart
            _mark(ctx, import_id, "created")
            raise
        except jobs.Cancelled:
            _mark(ctx, import_id, "failed", "cancelled")
            raise
        except ServiceError as exc:
            _mark(ctx, import_id, "failed", exc.detail)
            raise
        except Exception as exc:
            _mark(ctx, import_id, "failed", f"{type(exc).__name__}: {exc}")
            raise
        ctx.progress(total, total)
        return {"task_count": result.task_count, "skipped_duplicates": result.skipped_duplicates}


jobs.register(KIND, run)
