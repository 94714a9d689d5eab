"""Retraining every N new annotations: the cheap check that runs after each submitted annotation.

`extra_params.retrain_every` (default 20; 0 turns it off) counts from the project's annotation counter
when the connection's last training job was asked for (`params.at`; 0 before the first). A project with no
built-in connection costs one indexed query (`ix_ml_backends_project`); one with a connection adds a look
at its latest training job. No training happens in the request: a job is submitted, and none while one is
still queued or running.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise import jobs
from labelwise.db.models import MLBackend, Project
from labelwise.ml.builtin import training

DEFAULT_EVERY = 20
log = logging.getLogger(__name__)


def every(params: dict[str, object] | None) -> int:
    value = (params or {}).get("retrain_every", DEFAULT_EVERY)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return DEFAULT_EVERY
    return value


def due(db: Session, row: MLBackend, count: int) -> bool:
    n = every(row.extra_params)
    if n == 0:
        return False
    last = training.latest(db, row)
    if last is not None and last.status in (jobs.QUEUED, jobs.RUNNING):
        return False
    at = int((last.params or {}).get("at") or 0) if last is not None else 0
    return count - at >= n


def annotation_added(db: Session, project_id: int) -> list[int]:
    """After an annotation is committed: submit a training job for each built-in connection of the project
    that is due; the ids of the jobs submitted. Never raises: the annotation is already saved."""
    try:
        rows = list(
            db.scalars(
                select(MLBackend).where(MLBackend.project_id == project_id, MLBackend.type == "builtin")
            )
        )
        if not rows:
            db.commit()
            return []
        count = int(db.scalar(select(Project.total_annotations_number).where(Project.id == project_id)) or 0)
        submitted = []
        for row in rows:
            if due(db, row, count):
                submitted.append(training.submit(db, row, None).id)
        db.commit()
        return submitted
    except Exception:  # a failed check must not turn a saved annotation into an error
        log.exception("checking whether to retrain the built-in classifier of project %s", project_id)
        db.rollback()
        return []
