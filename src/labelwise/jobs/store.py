"""The jobs table: submit, claim, heartbeat, finish. Every state change is one guarded UPDATE.

Ownership is the pair (status 'running', attempts = the claimer's attempt): a claim moves a row
from queued to running (or takes over a running row whose heartbeat went stale) only when the
row is still as the claimer saw it, and checks the row count, so two processes never both win.
Later writes of a run carry its attempt, so a run that lost its lease cannot overwrite the row.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write, session_scope
from labelwise.db.models import Job
from labelwise.services.errors import NotFound

log = logging.getLogger(__name__)

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = "queued", "running", "completed", "failed", "cancelled"
FINISHED = frozenset({COMPLETED, FAILED, CANCELLED})
MAX_ATTEMPTS = 3
# How long a best-effort write (progress, heartbeat) waits for a lock before it is skipped.
SHORT_WAIT_MS = 100
MAX_ERROR = 4000


def submit(
    db: Session,
    kind: str,
    params: dict[str, Any],
    *,
    project_id: int | None = None,
    user_id: int | None = None,
    status: str = QUEUED,
) -> Job:
    begin_write(db)
    job = Job(kind=kind, params=dict(params), project_id=project_id, user_id=user_id, status=status)
    if status == RUNNING:  # claimed by its creator (an inline run)
        job.attempts = 1
        job.started_at = job.heartbeat_at = utcnow()
    db.add(job)
    db.commit()
    return job


def get(db: Session, job_id: int) -> Job:
    job = db.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def cancel(db: Session, job_id: int) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop (its runner ends it)."""
    begin_write(db)
    get(db, job_id)
    now = utcnow()
    db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(status=CANCELLED, cancel_requested=True, finished_at=now),
        execution_options={"synchronize_session": False},
    )
    db.execute(
        update(Job).where(Job.id == job_id, Job.status == RUNNING).values(cancel_requested=True),
        execution_options={"synchronize_session": False},
    )
    db.commit()
    return get(db, job_id)


@dataclass(frozen=True)
class Claim:
    """A run this process now owns."""

    job_id: int
    kind: str
    params: dict[str, Any]
    checkpoint: dict[str, Any]
    attempt: int
    progress: tuple[int, int | None]


def candidates(factory: sessionmaker[Session], kinds: Sequence[str], stale_before: datetime) -> list[Job]:
    """Queued jobs and running ones whose heartbeat is older than `stale_before`, oldest first."""
    if not kinds:
        return []
    with session_scope(factory) as db:
        queued = db.scalars(
            select(Job).where(Job.status == QUEUED, Job.kind.in_(kinds)).order_by(Job.id).limit(10)
        ).all()
        stale = db.scalars(
            select(Job)
            .where(
                Job.status == RUNNING,
                Job.kind.in_(kinds),
                (Job.heartbeat_at < stale_before) | Job.heartbeat_at.is_(None),
            )
            .order_by(Job.id)
            .limit(10)
        ).all()
        # A run stopped mid-way continues before new work starts.
        return [*stale, *queued]


def claim(factory: sessionmaker[Session], job: Job, stale_before: datetime) -> Claim | None:
    """Take `job` as seen by `candidates`: None when another process got there first."""
    now = utcnow()
    with session_scope(factory) as db:
        begin_write(db)
        if job.status == QUEUED:
            guard = [Job.status == QUEUED]
            values: dict[str, Any] = {"status": RUNNING, "started_at": now}
        else:
            guard = [
                Job.status == RUNNING,
                Job.attempts == job.attempts,
                (Job.heartbeat_at < stale_before) | Job.heartbeat_at.is_(None),
            ]
            values = {}
            if job.cancel_requested or job.attempts >= MAX_ATTEMPTS:
                # Ends here rather than running again.
                reason = (
                    {"status": CANCELLED}
                    if job.cancel_requested
                    else {
                        "status": FAILED,
                        "error": f"gave up after {job.attempts} attempts: the process running "
                        "the job stopped each time",
                    }
                )
                db.execute(
                    update(Job).where(Job.id == job.id, *guard).values(finished_at=now, **reason),
                    execution_options={"synchronize_session": False},
                )
                return None
        won = _count(
            db.execute(
                update(Job)
                .where(Job.id == job.id, *guard)
                .values(attempts=Job.attempts + 1, heartbeat_at=now, **values),
                execution_options={"synchronize_session": False},
            )
        )
        if won != 1:
            return None
        row = db.get(Job, job.id, populate_existing=True)
        assert row is not None
        return Claim(
            row.id,
            row.kind,
            row.params,
            row.checkpoint,
            row.attempts,
            (row.progress_done, row.progress_total),
        )


def _count(result: Any) -> int:
    """Rows an UPDATE matched (a Session's execute is typed as a plain Result)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _owned(job_id: int, attempt: int) -> list[Any]:
    return [Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt]


def finish(
    factory: sessionmaker[Session],
    job_id: int,
    attempt: int,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str = "",
    progress: tuple[int, int | None] | None = None,
) -> bool:
    """End a run (completed, failed, cancelled), or queue it again (`status` queued, on shutdown).

    A clean requeue gives the attempt back: stopping the server is not the job's failure.
    """
    values: dict[str, Any] = {"status": status}
    if status in FINISHED:
        values["finished_at"] = utcnow()
    else:
        values["attempts"] = Job.attempts - 1
    if result is not None:
        values["result"] = result
    if error:
        values["error"] = error[:MAX_ERROR]
    if progress is not None:
        values["progress_done"], values["progress_total"] = progress
    with session_scope(factory) as db:
        begin_write(db)
        won = _count(
            db.execute(
                update(Job).where(*_owned(job_id, attempt)).values(**values),
                execution_options={"synchronize_session": False},
            )
        )
    return won == 1


def write_checkpoint(
    target: Session | sessionmaker[Session], job_id: int, attempt: int, data: dict[str, Any]
) -> None:
    stmt = update(Job).where(*_owned(job_id, attempt)).values(checkpoint=data, heartbeat_at=utcnow())
    if isinstance(target, Session):
        begin_write(target)
        target.execute(stmt, execution_options={"synchronize_session": False})
        return
    with session_scope(target) as db:
        begin_write(db)
        db.execute(stmt, execution_options={"synchronize_session": False})


@dataclass
class Beat:
    """One running job's state for the flusher: what to write, and what came back."""

    job_id: int
    attempt: int
    progress: tuple[int, int | None]
    cancel_requested: bool = False
    lost: bool = False


def heartbeat(engine: Engine, beats: Sequence[Beat]) -> bool:
    """Write progress and heartbeat of jobs running here and read their cancel flags back.

    Best-effort: one short transaction that waits at most SHORT_WAIT_MS for a lock and is skipped
    (False) when the database is busy, so a job holding a long write transaction on SQLite, or a
    row lock on PostgreSQL, is never blocked or failed by its own bookkeeping.
    """
    if not beats:
        return True
    now = utcnow()
    try:
        with _short_transaction(engine) as conn:
            for b in beats:
                done, total = b.progress
                count = conn.execute(
                    update(Job)
                    .where(*_owned(b.job_id, b.attempt))
                    .values(progress_done=done, progress_total=total, heartbeat_at=now)
                ).rowcount
                b.lost = count != 1
            ids = [b.job_id for b in beats]
            flags = dict(conn.execute(select(Job.id, Job.cancel_requested).where(Job.id.in_(ids))).all())
            for b in beats:
                b.cancel_requested = bool(flags.get(b.job_id, True))  # a deleted row: stop
    except (DBAPIError, sqlite3.Error) as exc:  # BEGIN IMMEDIATE fails unwrapped (engine's begin hook)
        log.debug("job heartbeat skipped: %s", exc)
        return False
    return True


@contextmanager
def _short_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        driver: Any = conn.connection.driver_connection
        if sqlite:
            (previous,) = driver.execute("PRAGMA busy_timeout").fetchone()
            driver.execute(f"PRAGMA busy_timeout={SHORT_WAIT_MS}")
        try:
            with conn.execution_options(sqlite_write=True).begin():
                if not sqlite:
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{SHORT_WAIT_MS}ms'")
                yield conn
        finally:
            if sqlite:
                driver.execute(f"PRAGMA busy_timeout={int(previous)}")


def stale_threshold(seconds: float) -> datetime:
    return utcnow() - timedelta(seconds=seconds)
