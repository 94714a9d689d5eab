"""Streaming export of a project's tasks in Label Studio's JSON.

Tasks are read in keyset batches with their annotations and predictions fetched per batch, so
memory stays flat however large the project is and the first bytes leave at once.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session, sessionmaker

from labelwise.db.models import Task
from labelwise.io import ls_json
from labelwise.io.encoding import dumps
from labelwise.services import tasks

BATCH = 1000
FORMATS = ("JSON",)


def iter_tasks(
    db: Session, project_id: int, only_annotated: bool, ids: list[int] | None = None, batch: int = BATCH
) -> Iterator[dict[str, object]]:
    last = 0
    while True:
        q = tasks.task_rows().where(Task.project_id == project_id, Task.id > last)
        if ids:
            q = q.where(Task.id.in_(ids))

        if only_annotated:
            q = q.where((Task.total_annotations + Task.cancelled_annotations) > 0)
        rows = list(db.execute(q.order_by(Task.id).limit(batch)))
        if not rows:
            return
        anns, preds = tasks.related(db, [t.id for t in rows])
        for t in rows:
            yield ls_json.task(t, anns.get(t.id, []), preds.get(t.id, []))
        last = rows[-1].id


def stream_json(
    factory: sessionmaker[Session], project_id: int, only_annotated: bool, ids: list[int] | None = None
) -> Iterator[bytes]:
    """A JSON list, written one task at a time; owns its session because it outlives the request."""
    db = factory()
    try:
        yield b"["
        first = True
        buf: list[bytes] = []
        for record in iter_tasks(db, project_id, only_annotated, ids):
            buf.append(dumps(record) if first else b"," + dumps(record))
            first = False
            if len(buf) >= 200:
                yield b"".join(buf)
                buf.clear()
        if buf:
            yield b"".join(buf)
        yield b"]"
    finally:
        db.close()
