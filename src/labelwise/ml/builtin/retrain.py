"""Retraining every N new annotations: the check that runs after each submitted annotation.

`extra_params.retrain_every` (default 20; 0 turns it off) counts from the project's annotation counter
when the connection's last training job was asked for (`params.at`; 0 before the first).

Why a watch kept in the process: the check runs after every submit of every project, and most projects
have no built-in model. Reading the connections and their last job on each submit would add two queries
and a transaction to the hottest write path, so each process keeps, per project, the built-in connections
with their `retrain_every` and `at`, read again when older than `FRESH_SECONDS` (another server process
learns of a new connection within that time; this one at once, through `forget`). The submit passes the
project's new annotation count (the counter UPDATE returns it), so a submit that is not due touches no
table. When one looks due, the real check reads the connection's last job (none while one is queued or running) and the job
is submitted in its own transaction; no training happens in the request.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from labelwise import jobs
from labelwise.db.engine import begin_write
from labelwise.db.models import Job, MLBackend
from labelwise.ml.builtin import kind, training
from labelwise.ml.contract import ModelError

FRESH_SECONDS = 30.0
log = logging.getLogger(__name__)


def every(params: dict[str, object] | None) -> int:
    """The connection's `retrain_every`; a value its health check refuses reads as the default."""
    try:
        return kind.retrain_every(params or {})
    except ModelError:
        return kind.RETRAIN_EVERY


def _at(job: Job | None) -> int:
    return int((job.params or {}).get("at") or 0) if job is not None else 0


@dataclass
class _Watched:
    """A built-in connection as the watch sees it: due once the count reaches `at + every`."""

    connection_id: int
    every: int
    at: int


@dataclass
class _Project:
    read_at: float
    connections: list[_Watched]


class Watch:
    """Per database and project, the built-in connections and when each is next due; safe across request
    threads. Keyed by the engine too, since one process may serve several databases (tests do)."""

    def __init__(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        self.fresh_seconds = fresh_seconds
        self._known: weakref.WeakKeyDictionary[Engine, dict[int, _Project]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _projects(self, db: Session) -> dict[int, _Project]:
        engine = db.get_bind().engine
        with self._lock:
            return self._known.setdefault(engine, {})

    def forget(self, db: Session, project_id: int) -> None:
        """A connection of the project was added, changed or removed: read it again on the next submit."""
        projects = self._projects(db)
        with self._lock:
            projects.pop(project_id, None)

    def _read(self, db: Session, project_id: int) -> _Project:
        rows = db.scalars(
            select(MLBackend).where(MLBackend.project_id == project_id, MLBackend.type == "builtin")
        ).all()
        watched = [_Watched(r.id, every(r.extra_params), _at(training.latest(db, r))) for r in rows]
        db.commit()
        return _Project(time.monotonic(), watched)

    def annotation_added(self, db: Session, project_id: int, count: int | None) -> list[int]:
        """After an annotation is committed, with the project's new annotation count: submit a training job
        for each built-in connection that is due; the ids of the jobs submitted. Never raises: the
        annotation is already saved."""
        if count is None:
            return []
        try:
            projects = self._projects(db)
            with self._lock:
                known = projects.get(project_id)
            if known is None or time.monotonic() - known.read_at > self.fresh_seconds:
                known = self._read(db, project_id)
                with self._lock:
                    projects[project_id] = known
            ready = [w for w in known.connections if w.every and count - w.at >= w.every]
            return self._submit(db, project_id, ready, count) if ready else []
        except Exception:  # a failed check must not turn a saved annotation into an error
            log.exception("checking whether to retrain the built-in classifier of project %s", project_id)
            db.rollback()
            return []

    def _submit(self, db: Session, project_id: int, ready: list[_Watched], count: int) -> list[int]:
        submitted = []
        begin_write(db)
        for watched in ready:
            row = db.get(MLBackend, watched.connection_id)
            if row is None:
                watched.every = 0  # deleted by another process: nothing to retrain until read again
                continue
            last = training.latest(db, row)
            if last is not None and last.status in (jobs.QUEUED, jobs.RUNNING):
                watched.at = count  # still training: look again after `every` more, not on each submit
            elif count - _at(last) >= watched.every:
                submitted.append(training.submit(db, row, None).id)
                watched.at = count
            else:
                watched.at = _at(last)  # trained meanwhile (by hand or by another process)
        db.commit()
        return submitted


WATCH = Watch()
