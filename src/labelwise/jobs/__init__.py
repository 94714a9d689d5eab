"""Background work behind one small interface.

    from labelwise import jobs
    jobs.register("export.snapshot", run_snapshot)         # at import time of the job's module
    job = jobs.submit(db, "export.snapshot", {"snapshot_id": 7}, project_id=3, user_id=1)
    jobs.live(job.id)                                       # (done, total) while it runs here
    jobs.cancel(db, job.id)

State lives in the jobs table (status queued → running → completed | failed | cancelled), so a
restart resumes what was queued or running (from the checkpoint), and two server processes never
run one job twice. `start`/`stop` run the in-process runner; `run_now` runs a job inline for the
command line.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from labelwise.db.models import Job
from labelwise.jobs import store
from labelwise.jobs.context import Cancelled, Context, Interrupted, live
from labelwise.jobs.registry import JobFunction, register
from labelwise.jobs.runner import Runner, error_message, run_now, wake_all
from labelwise.jobs.store import CANCELLED, COMPLETED, FAILED, FINISHED, QUEUED, RUNNING
from labelwise.settings import Settings

__all__ = [
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "Cancelled",
    "Context",
    "Interrupted",
    "Job",
    "JobFunction",
    "Runner",
    "cancel",
    "error_message",
    "get",
    "live",
    "register",
    "run_now",
    "start",
    "stop",
    "submit",
]


def submit(
    db: Session,
    kind: str,
    params: dict[str, Any],
    *,
    project_id: int | None = None,
    user_id: int | None = None,
) -> Job:
    """Write a queued job (committing `db`'s transaction) and wake this process's runners."""
    job = store.submit(db, kind, params, project_id=project_id, user_id=user_id)
    wake_all()
    return job


def get(db: Session, job_id: int) -> Job:
    """The job row, fresh from the database; NotFound when missing."""
    return store.get(db, job_id)


def cancel(db: Session, job_id: int) -> Job:
    """Request cancellation: a queued job is cancelled at once, a running one stops at its next
    `check_cancelled` (at once when it runs in this process, else within about a second)."""
    from labelwise.jobs.context import running_here

    job = store.cancel(db, job_id)
    ctx = running_here(job_id)
    if ctx is not None:
        ctx.cancel_event.set()
    return job


def start(target: Any, factory: sessionmaker[Session] | None = None, **runner_options: Any) -> Runner:
    """Start a runner for an app (its `state.settings` and `state.sessionmaker`) or for settings
    and a sessionmaker; `runner_options` go to `Runner` (workers, poll_seconds)."""
    if isinstance(target, Settings):
        settings = target
    else:  # an application; duck-typed so jobs/ imports nothing of the web layer
        settings = target.state.settings
        factory = factory or target.state.sessionmaker
    if factory is None:
        raise ValueError("start(settings, sessionmaker): the sessionmaker is missing")
    runner = Runner(settings, factory, **runner_options).start()
    return runner


def stop(runner: Runner | None = None) -> None:
    """Stop one runner, or every runner this process started."""
    from labelwise.jobs.runner import _RUNNERS, _RUNNERS_LOCK

    if runner is not None:
        runner.stop()
        return
    with _RUNNERS_LOCK:
        runners = list(_RUNNERS)
    for r in runners:
        r.stop()
