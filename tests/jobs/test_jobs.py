"""The jobs runner on a real database: runs, progress, cancel, failures, resume, no double runs."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from labelwise import jobs
from labelwise.db.base import utcnow
from labelwise.db.engine import make_engine
from labelwise.db.models import Job
from labelwise.db.runtime import Database
from labelwise.jobs import store
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings

# Shared with the job functions below, keyed by each test's token.
GATES: dict[str, threading.Event] = {}
RUNS: dict[str, list[dict[str, Any]]] = {}
_RUNS_LOCK = threading.Lock()


def _record(ctx: jobs.Context) -> None:
    with _RUNS_LOCK:
        RUNS.setdefault(ctx.params["token"], []).append(
            {"job": ctx.job_id, "attempt": ctx.attempt, "start": ctx.checkpoint.get("i", 0)}
        )


def count_job(ctx: jobs.Context) -> dict[str, Any]:
    """Counts to n from its checkpoint; waits at step `hold` until the test opens its gate."""
    _record(ctx)
    n, hold = ctx.params["n"], ctx.params.get("hold")
    i = ctx.checkpoint.get("i", 0)
    while i < n:
        if i == hold:
            gate = GATES[ctx.params["token"]]
            while not gate.wait(0.01):
                ctx.check_cancelled()
        ctx.check_cancelled()
        i += 1
        ctx.progress(i, n)
        if i % 2 == 0:
            ctx.save_checkpoint({"i": i})
    return {"counted": i}


def failing_job(ctx: jobs.Context) -> None:
    _record(ctx)
    if ctx.params.get("service"):
        raise Invalid("the snapshot's project has no tasks")
    raise ValueError("disk said no")


def locking_job(ctx: jobs.Context) -> dict[str, Any]:
    """Holds a write transaction (as an import does) while reporting progress until its gate opens."""
    _record(ctx)
    db = ctx.sessionmaker()
    try:
        from labelwise.db.engine import begin_write

        begin_write(db)
        db.execute(update(Job).where(Job.id == ctx.job_id).values(result={"inside": True}))
        gate = GATES[ctx.params["token"]]
        step = 0
        while not gate.wait(0.01):
            step += 1
            ctx.progress(step)
            ctx.check_cancelled()
        db.commit()
    finally:
        db.close()
    return {"steps": step}


jobs.register("test.count", count_job)
jobs.register("test.fail", failing_job)
jobs.register("test.lock", locking_job)


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Poll until `check` returns something truthy; a generous deadline, not a speed assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached before the deadline")


@pytest.fixture
def token() -> Iterator[str]:
    t = uuid.uuid4().hex
    GATES[t] = threading.Event()
    yield t
    GATES.pop(t).set()
    RUNS.pop(t, None)


@pytest.fixture
def runner(settings: Settings, database: Database) -> Iterator[jobs.Runner]:
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    yield r
    jobs.stop(r)


def row(database: Database, job_id: int) -> Job:
    with database.sessionmaker() as db:
        return jobs.get(db, job_id)


def finished(database: Database, job_id: int) -> Callable[[], Job | None]:
    def check() -> Job | None:
        job = row(database, job_id)
        return job if job.status in jobs.FINISHED else None

    return check


def submit(database: Database, kind: str, params: dict[str, Any]) -> Job:
    with database.sessionmaker() as db:
        return jobs.submit(db, kind, params)


def test_submitted_job_runs_to_completion(database: Database, runner: jobs.Runner, token: str) -> None:
    job = submit(database, "test.count", {"n": 5, "token": token})
    assert job.status == "queued"
    done = wait_for(finished(database, job.id))
    assert done.status == "completed"
    assert done.result == {"counted": 5}
    assert (done.progress_done, done.progress_total) == (5, 5)
    assert done.attempts == 1 and done.error == "" and done.finished_at is not None
    assert jobs.live(job.id) is None  # no longer running here


def test_progress_is_live_in_memory_and_reaches_the_row(
    database: Database, runner: jobs.Runner, token: str
) -> None:
    job = submit(database, "test.count", {"n": 10, "hold": 4, "token": token})
    assert wait_for(lambda: jobs.live(job.id) == (4, 10))
    held = wait_for(lambda: (r := row(database, job.id)).progress_done == 4 and r)
    assert held.status == "running" and held.progress_total == 10 and held.heartbeat_at is not None
    assert held.checkpoint == {"i": 4}
    GATES[token].set()
    assert wait_for(finished(database, job.id)).status == "completed"


def test_cancel_of_a_queued_job_is_immediate_and_it_never_runs(
    settings: Settings, database: Database, token: str
) -> None:
    job = submit(database, "test.count", {"n": 3, "token": token})
    with database.sessionmaker() as db:
        cancelled = jobs.cancel(db, job.id)
    assert cancelled.status == "cancelled" and cancelled.cancel_requested
    follow = submit(database, "test.count", {"n": 1, "token": token})
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    try:
        assert wait_for(finished(database, follow.id)).status == "completed"
    finally:
        jobs.stop(r)
    assert [run["job"] for run in RUNS[token]] == [follow.id]
    assert row(database, job.id).status == "cancelled"


def test_cancel_of_a_running_job_stops_it(database: Database, runner: jobs.Runner, token: str) -> None:
    job = submit(database, "test.count", {"n": 10, "hold": 3, "token": token})
    wait_for(lambda: jobs.live(job.id) == (3, 10))
    with database.sessionmaker() as db:
        assert jobs.cancel(db, job.id).cancel_requested
    done = wait_for(finished(database, job.id))
    assert done.status == "cancelled" and done.progress_done == 3


def test_cancel_requested_by_another_process_reaches_the_job(
    database: Database, runner: jobs.Runner, token: str
) -> None:
    job = submit(database, "test.count", {"n": 10, "hold": 2, "token": token})
    wait_for(lambda: jobs.live(job.id) == (2, 10))
    other = make_engine(str(database.engine.url.render_as_string(hide_password=False)))
    try:  # the flag set in the row only, as a request served by another process would
        with other.begin() as conn:
            conn.execute(update(Job).where(Job.id == job.id).values(cancel_requested=True))
    finally:
        other.dispose()
    assert wait_for(finished(database, job.id)).status == "cancelled"


def test_failure_records_a_clear_message_and_the_runner_goes_on(
    database: Database, runner: jobs.Runner, token: str
) -> None:
    service = submit(database, "test.fail", {"service": True, "token": token})
    plain = submit(database, "test.fail", {"token": token})
    after = submit(database, "test.count", {"n": 2, "token": token})
    assert wait_for(finished(database, service.id)).error == "the snapshot's project has no tasks"
    failed = wait_for(finished(database, plain.id))
    assert failed.status == "failed" and failed.error == "ValueError: disk said no"
    assert wait_for(finished(database, after.id)).status == "completed"


def test_unknown_job_is_not_found(database: Database) -> None:
    with database.sessionmaker() as db, pytest.raises(NotFound, match="job 999 not found"):
        jobs.get(db, 999)


def _crashed(database: Database, token: str, attempts: int, checkpoint: dict[str, Any]) -> int:
    """A row as a process that died mid-run leaves it: running, heartbeat long silent."""
    with database.sessionmaker() as db:
        job = jobs.submit(db, "test.count", {"n": 8, "token": token})
        old = utcnow() - timedelta(hours=1)
        db.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                status="running", attempts=attempts, checkpoint=checkpoint, heartbeat_at=old, started_at=old
            )
        )
        db.commit()
        return job.id


def test_a_job_left_running_by_a_dead_process_resumes_from_its_checkpoint(
    settings: Settings, database: Database, token: str
) -> None:
    job_id = _crashed(database, token, attempts=1, checkpoint={"i": 6})
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    try:
        done = wait_for(finished(database, job_id))
    finally:
        jobs.stop(r)
    assert done.status == "completed" and done.result == {"counted": 8}
    assert done.attempts == 2
    assert [(run["attempt"], run["start"]) for run in RUNS[token]] == [(2, 6)]


def test_a_job_whose_heartbeat_is_fresh_is_not_taken_over(
    settings: Settings, database: Database, token: str
) -> None:
    job_id = _crashed(database, token, attempts=1, checkpoint={"i": 2})
    with database.sessionmaker() as db:
        db.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow()))
        db.commit()
    marker = submit(database, "test.count", {"n": 1, "token": token})
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    try:
        wait_for(finished(database, marker.id))  # the runner has polled at least once
    finally:
        jobs.stop(r)
    assert row(database, job_id).status == "running"
    assert [run["job"] for run in RUNS[token]] == [marker.id]


def test_a_job_is_given_up_after_three_attempts(settings: Settings, database: Database, token: str) -> None:
    job_id = _crashed(database, token, attempts=3, checkpoint={"i": 2})
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    try:
        done = wait_for(finished(database, job_id))
    finally:
        jobs.stop(r)
    assert done.status == "failed" and "gave up after 3 attempts" in done.error
    assert token not in RUNS


def test_stopping_the_runner_queues_a_running_job_again(
    settings: Settings, database: Database, token: str
) -> None:
    job = submit(database, "test.count", {"n": 6, "hold": 4, "token": token})
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    wait_for(lambda: jobs.live(job.id) == (4, 6))
    jobs.stop(r)
    stopped = row(database, job.id)
    assert stopped.status == "queued" and stopped.attempts == 0 and stopped.checkpoint == {"i": 4}
    GATES[token].set()
    r = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    try:
        done = wait_for(finished(database, job.id))
    finally:
        jobs.stop(r)
    assert done.status == "completed" and done.attempts == 1
    assert [run["start"] for run in RUNS[token]] == [0, 4]


def test_two_runners_never_run_one_job_twice(settings: Settings, database: Database, token: str) -> None:
    # Two runners on two engines, as two server processes would be, polling hard.
    second = Database.of(make_engine(settings.sqlalchemy_url))
    runners = [
        jobs.Runner(settings, database.sessionmaker, workers=2, poll_seconds=0.001),
        jobs.Runner(settings, second.sessionmaker, workers=2, poll_seconds=0.001),
    ]
    try:
        ids = [submit(database, "test.count", {"n": 1, "token": token}).id for _ in range(30)]
        for r in runners:
            r.start()
        for job_id in ids:
            assert wait_for(finished(database, job_id)).status == "completed"
    finally:
        for r in runners:
            r.stop()
        second.engine.dispose()
    ran = sorted(run["job"] for run in RUNS[token])
    assert ran == sorted(ids)
    assert {run["attempt"] for run in RUNS[token]} == {1}


def test_progress_writes_never_block_a_job_holding_a_write_transaction(
    database: Database, runner: jobs.Runner, token: str
) -> None:
    job = submit(database, "test.lock", {"token": token})
    wait_for(lambda: (jobs.live(job.id) or (0, None))[0] > 50)
    wait_for(lambda: runner.skipped_heartbeats > 0)  # the flusher tried, waited briefly, moved on
    GATES[token].set()
    done = wait_for(finished(database, job.id))
    assert done.status == "completed" and done.error == ""
    assert done.result["steps"] > 50


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's database-wide write lock; no PostgreSQL twin
def test_heartbeat_is_skipped_while_another_connection_holds_the_write_lock(
    backend: str, database: Database
) -> None:
    with database.sessionmaker() as db:
        job = jobs.submit(db, "test.count", {"n": 1, "token": "x"})
    holder = database.engine.connect()
    try:
        holder.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        beat = store.Beat(job.id, 0, (1, 2))
        assert store.heartbeat(database.engine, [beat]) is False
        holder.connection.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
    finally:
        holder.close()
    with database.engine.connect() as conn:  # the pooled connection's own wait is restored
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        conn.execute(text("SELECT 1"))


def test_run_now_runs_inline_and_reports_progress(settings: Settings, database: Database, token: str) -> None:
    seen: list[tuple[int, int | None]] = []
    done = jobs.run_now(
        settings,
        database.sessionmaker,
        "test.count",
        {"n": 4, "token": token},
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert done.status == "completed" and done.result == {"counted": 4} and done.attempts == 1
    assert seen[-1] == (4, 4)
    assert RUNS[token][0]["job"] == done.id
