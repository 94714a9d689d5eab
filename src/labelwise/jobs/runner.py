"""The in-process runner: worker threads fed from the jobs table, and one flusher thread.

Workers claim jobs through `store.claim` (safe against other processes), run the job function
and write its end. The flusher copies progress and heartbeats of this process's running jobs to
their rows about once a second and brings `cancel_requested` back into memory. Nothing a job
function raises escapes a worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from labelwise.db.models import Job
from labelwise.jobs import registry, store
from labelwise.jobs.context import Cancelled, Context, Interrupted, running_here
from labelwise.services.errors import ServiceError
from labelwise.settings import Settings

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
# Runners started in this process; `submit` wakes them all.
_RUNNERS: list[Runner] = []
_RUNNERS_LOCK = threading.Lock()


def error_message(exc: BaseException) -> str:
    """A ServiceError's detail is written for people; anything else names its type."""
    if isinstance(exc, ServiceError):
        return exc.detail
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def execute(ctx: Context, factory: sessionmaker[Session]) -> str:
    """Run one claimed job to its end and record the end; returns the status written."""
    fn = registry.function(ctx.kind)
    ctx.enter()
    try:
        if fn is None:
            status, result, error = store.FAILED, None, f"no job function registered for {ctx.kind!r}"
        else:
            try:
                ctx.check_cancelled()
                status, result, error = store.COMPLETED, fn(ctx) or {}, ""
            except Interrupted:
                status, result, error = store.QUEUED, None, ""
            except Cancelled:
                status, result, error = store.CANCELLED, None, ""
            except Exception as exc:  # a job's failure is recorded, never the runner's
                log.exception("job %s (%s) failed", ctx.job_id, ctx.kind)
                status, result, error = store.FAILED, None, error_message(exc)
        try:
            store.finish(
                factory,
                ctx.job_id,
                ctx.attempt,
                status,
                result=result,
                error=error,
                progress=(ctx.done, ctx.total),
            )
        except Exception:  # the row stays running; its heartbeat stops, so it is resumed later
            log.exception("could not record the end of job %s", ctx.job_id)
        return status
    finally:
        ctx.leave()


class Runner:
    """Worker threads and a flusher for one database. `start()`/`stop()`; `wake()` after a submit."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        *,
        workers: int | None = None,
        poll_seconds: float = 2.0,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.workers = max(1, workers if workers is not None else settings.job_workers)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._contexts: dict[int, Context] = {}
        self._lock = threading.Lock()
        # Heartbeats skipped because the database was busy (a job's own long write, say).
        self.skipped_heartbeats = 0

    # Lifecycle.
    def start(self) -> Runner:
        if self._threads:
            return self
        self._stopping.clear()
        for i in range(self.workers):
            t = threading.Thread(target=self._work, name=f"labelwise-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        flusher = threading.Thread(target=self._flush_loop, name="labelwise-job-flusher", daemon=True)
        flusher.start()
        self._threads.append(flusher)
        with _RUNNERS_LOCK:
            _RUNNERS.append(self)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask running jobs to stop (they are queued again) and wait up to `timeout` for threads."""
        self._stopping.set()
        with self._lock:
            for ctx in self._contexts.values():
                ctx.stop_event.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = []
        with _RUNNERS_LOCK:
            if self in _RUNNERS:
                _RUNNERS.remove(self)

    def wake(self) -> None:
        self._wake.set()

    # Workers.
    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                ran = self._run_one()
            except Exception:  # a database hiccup; try again at the next poll
                log.exception("job runner poll failed")
                ran = False
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _run_one(self) -> bool:
        """Claim and run one job; False when there was nothing to take."""
        threshold = store.stale_threshold(self.settings.job_stale_seconds)
        for job in store.candidates(self.factory, registry.kinds(), threshold):
            if self._stopping.is_set():
                return False
            if job.status == store.RUNNING and running_here(job.id) is not None:
                continue  # ours, only busy (its heartbeat may be waiting on a lock)
            claim = store.claim(self.factory, job, threshold)
            if claim is None:
                continue
            ctx = self._context(claim)
            with self._lock:
                self._contexts[ctx.job_id] = ctx
                if self._stopping.is_set():
                    ctx.stop_event.set()
            try:
                execute(ctx, self.factory)
            finally:
                with self._lock:
                    self._contexts.pop(ctx.job_id, None)
            return True
        return False

    def _context(self, claim: store.Claim) -> Context:
        return Context(
            claim.job_id,
            claim.kind,
            claim.params,
            claim.checkpoint,
            self.settings,
            self.factory,
            claim.attempt,
            claim.progress,
        )

    # Flusher.
    def _flush_loop(self) -> None:
        while not self._stopping.wait(FLUSH_SECONDS):
            with self._lock:
                contexts = list(self._contexts.values())
            try:
                if not flush(self.factory, contexts):
                    self.skipped_heartbeats += 1
            except Exception:
                log.exception("job flusher failed")


def flush(factory: sessionmaker[Session], contexts: list[Context]) -> bool:
    """One heartbeat for `contexts`; a cancel read back (or a lost lease) sets their cancel flag.
    False when the write was skipped because the database was busy."""
    beats = [store.Beat(c.job_id, c.attempt, (c.done, c.total)) for c in contexts]
    engine = factory.kw["bind"]
    if not store.heartbeat(engine, beats):
        return False
    for ctx, beat in zip(contexts, beats, strict=True):
        if beat.cancel_requested or beat.lost:
            ctx.cancel_event.set()
    return True


def wake_all() -> None:
    with _RUNNERS_LOCK:
        runners = list(_RUNNERS)
    for r in runners:
        r.wake()


def run_now(
    settings: Settings,
    factory: sessionmaker[Session],
    kind: str,
    params: dict[str, Any],
    *,
    project_id: int | None = None,
    user_id: int | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> Job:
    """Run a job inline in this thread (the command line, no server): the row is written as
    running and owned by this call, so no runner elsewhere takes it while its heartbeat lives."""
    if registry.function(kind) is None:
        raise ValueError(f"no job function registered for {kind!r}")
    with factory() as db:
        job = store.submit(db, kind, params, project_id=project_id, user_id=user_id, status=store.RUNNING)
    ctx = Context(job.id, kind, dict(params), {}, settings, factory, 1)
    done = threading.Event()

    def beat() -> None:
        while not done.wait(FLUSH_SECONDS):
            try:
                flush(factory, [ctx])
                if on_progress is not None:
                    on_progress(ctx.done, ctx.total)
            except Exception:
                log.exception("job flusher failed")

    thread = threading.Thread(target=beat, name=f"labelwise-job-{job.id}-beat", daemon=True)
    thread.start()
    try:
        execute(ctx, factory)
    finally:
        done.set()
        thread.join()
    if on_progress is not None:
        on_progress(ctx.done, ctx.total)
    with factory() as db:
        return store.get(db, job.id)
