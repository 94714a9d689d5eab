"""What a job function gets: its parameters and checkpoint, and cheap progress and cancel calls.

Progress and the cancel flag live in memory first. The runner's flusher thread copies progress to
the jobs row about once a second and reads `cancel_requested` back, so a job can call `progress`
and `check_cancelled` in its innermost loop without touching the database, even while it holds a
long write transaction of its own.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from labelwise.settings import Settings


class Cancelled(Exception):
    """Raised by `Context.check_cancelled` when cancel was requested; the job ends as cancelled."""


class Interrupted(Cancelled):
    """The process is stopping: the job ends now and is queued again to resume from its checkpoint."""


# job id -> (done, total) for jobs running in this process; read by `live`.
_LIVE: dict[int, tuple[int, int | None]] = {}
# job id -> the running context, so `cancel` in this process reaches a job at once.
_RUNNING: dict[int, Context] = {}
_LOCK = threading.Lock()


def live(job_id: int) -> tuple[int, int | None] | None:
    """The (done, total) a job running in this process last reported; None when not running here."""
    return _LIVE.get(job_id)


class Context:
    """Handed to a job function. `attempt` is the lease: only the holder of it may finish the row."""

    def __init__(
        self,
        job_id: int,
        kind: str,
        params: dict[str, Any],
        checkpoint: dict[str, Any],
        settings: Settings,
        factory: sessionmaker[Session],
        attempt: int,
        progress: tuple[int, int | None] = (0, None),
    ) -> None:
        self.job_id = job_id
        self.kind = kind
        self.params = params
        self.checkpoint = checkpoint
        self.settings = settings
        self.sessionmaker = factory
        self.attempt = attempt
        self.cancel_event = threading.Event()
        self.stop_event = threading.Event()
        self.done, self.total = progress

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress in memory (the flusher writes it to the row); a None total keeps the last."""
        self.done = done
        if total is not None:
            self.total = total
        _LIVE[self.job_id] = (self.done, self.total)

    def save_checkpoint(self, data: dict[str, Any], db: Session | None = None) -> None:
        """Store what the job needs to continue after a crash.

        With `db`, the checkpoint is written in that session's transaction, so it commits together
        with the work it describes (the way to checkpoint inside a long write transaction). Without,
        it is written in a short transaction of its own at once; call it then only after committing
        your own writes (on SQLite a write transaction you hold would make it wait).
        """
        from labelwise.jobs import store

        self.checkpoint = dict(data)
        store.write_checkpoint(db or self.sessionmaker, self.job_id, self.attempt, self.checkpoint)

    def check_cancelled(self) -> None:
        """Raise `Cancelled` when cancel was requested (or `Interrupted` when the process stops)."""
        if self.stop_event.is_set():
            raise Interrupted(f"job {self.job_id} interrupted: the process is stopping")
        if self.cancel_event.is_set():
            raise Cancelled(f"job {self.job_id} was cancelled")

    # The runner's bookkeeping.
    def enter(self) -> None:
        with _LOCK:
            _RUNNING[self.job_id] = self
            _LIVE[self.job_id] = (self.done, self.total)

    def leave(self) -> None:
        with _LOCK:
            if _RUNNING.get(self.job_id) is self:
                del _RUNNING[self.job_id]
                _LIVE.pop(self.job_id, None)


def running_here(job_id: int) -> Context | None:
    return _RUNNING.get(job_id)
