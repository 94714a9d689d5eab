"""Streaming export of a project's tasks, in Label Studio's JSON or any format of `io.exporters`.

Tasks are read in keyset batches with their annotations and predictions fetched per batch, so
memory stays flat however large the project is and the first bytes leave at once. Label Studio's
JSON is written from the stored JSON text directly; other formats get plain Python tasks. Gold tasks
(answer keys, not work) are left out unless asked for (`include_gold`) or chosen by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import bindparam, false, literal_column, select
from sqlalchemy.orm import Session, sessionmaker

from labelwise import labeling
from labelwise.db import task_json
from labelwise.db.engine import scanning
from labelwise.db.models import Project, Task
from labelwise.db.prepared import Prepared
from labelwise.io import exporters, ls_json
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ExportOptions
from labelwise.services import consensus, tasks
from labelwise.services.errors import Invalid

BATCH = 1000
JSON = "JSON"


@dataclass(frozen=True)
class Choice:
    """A format as offered for one project: usable, or not with the reason."""

    name: str
    title: str
    extension: str
    media_type: str
    reason: str | None


def choices(schema: labeling.Schema) -> list[Choice]:
    out = [Choice(JSON, "JSON (Label Studio)", "json", "application/json", None)]
    for fmt, reason in exporters.available(schema):
        out.append(Choice(fmt.name, fmt.title, fmt.extension, fmt.media_type, reason))
    return out


def choose(schema: labeling.Schema, name: str) -> Choice:
    """The named format, or a 400 that lists what this project can export to."""
    wanted = name.upper()
    offered = choices(schema)
    for c in offered:
        if c.name == wanted:
            if c.reason:
                raise Invalid(f"exportType {wanted}: {c.reason}", {"exportType": [c.reason]})
            return c
    usable = ", ".join(c.name for c in offered if c.reason is None)
    raise Invalid(
        f"exportType {name[:40]!r} is not supported; use one of {usable}", {"exportType": ["unsupported"]}
    )


def _task_batches(
    db: Session,
    project_id: int,
    only_annotated: bool,
    ids: list[int] | None,
    tick: Callable[[int], None] | None,
    include_gold: bool = False,
) -> Iterator[list[str]]:
    """Each batch of tasks as encoded Label Studio objects, the object itself written by the
    database (see `db.task_json`) with empty lists; only tasks that have annotations,
    predictions or a consensus (`consensus`, with `score` = confidence) are decoded and filled in
    Python."""
    has_annotations, has_predictions = _kinds(db, project_id)
    has_consensus = consensus.exists_for(db, project_id)
    dialect = db.get_bind().dialect.name
    prepared = None if ids else _batch_statement(dialect, only_annotated, include_gold)
    last = 0
    while True:
        if prepared is not None:  # the common case, straight on the driver (no ORM row loading)
            rows: Sequence[Any] = prepared.run(db, {"project_id": project_id, "last": last})
        else:
            q = select(Task.id, Task.inner_id, task_json.task_object(dialect)).where(
                Task.project_id == project_id, Task.inner_id > last, Task.id.in_(ids or [])
            )
            if only_annotated:
                q = q.where((Task.total_annotations + Task.cancelled_annotations) > 0)
            rows = db.execute(q.order_by(Task.inner_id).limit(BATCH)).all()
        if not rows:
            return
        anns, preds = tasks.related(
            db, [r[0] for r in rows], dense=not ids, annotations=has_annotations, predictions=has_predictions
        )
        agreed = consensus.for_export(db, [r[0] for r in rows]) if has_consensus else {}
        texts: list[str] = [r[2] for r in rows]
        if anns or preds or agreed:  # the few tasks with lists to fill are re-encoded; key order is kept
            for i, (task_id, _inner, text) in enumerate(rows):
                a, p, c = anns.get(task_id), preds.get(task_id), agreed.get(task_id)
                if a or p or c:
                    obj = orjson.loads(text)
                    obj["annotations"] = [ls_json.annotation(x) for x in a or []]
                    obj["predictions"] = [ls_json.prediction(x) for x in p or []]
                    if c:
                        obj["consensus"] = c
                    texts[i] = dumps(obj).decode()
        if tick is not None:
            tick(len(rows))
        yield texts
        last = rows[-1][1]


_BATCHES: dict[tuple[str, bool, bool], Prepared] = {}


def _batch_statement(dialect: str, only_annotated: bool, include_gold: bool) -> Prepared:
    """The keyset batch of task objects, compiled once per dialect and filter."""
    key = (dialect, only_annotated, include_gold)
    found = _BATCHES.get(key)
    if found is None:
        q = select(Task.id, Task.inner_id, task_json.task_object(dialect)).where(
            Task.project_id == bindparam("project_id"), Task.inner_id > bindparam("last")
        )
        if only_annotated:
            q = q.where((Task.total_annotations + Task.cancelled_annotations) > literal_column("0"))
        if not include_gold:
            q = q.where(Task.is_gold == false())
        # Limit and offset as literals: SQLite's compiler would add an OFFSET bind of its own.
        batch = q.order_by(Task.inner_id).limit(literal_column(str(BATCH))).offset(literal_column("0"))
        found = _BATCHES[key] = Prepared(batch)
    return found


def _json_list(batches: Iterator[list[str]]) -> Iterator[bytes]:
    yield b"["
    first = True
    for batch in batches:
        yield (",".join(batch) if first else "," + ",".join(batch)).encode()
        first = False
    yield b"]"


def _json_lines(batches: Iterator[list[str]]) -> Iterator[bytes]:
    for batch in batches:
        yield ("\n".join(batch) + "\n").encode()


def _kinds(db: Session, project_id: int) -> tuple[bool, bool]:
    """Whether the project has any annotations and any predictions, from its counters."""
    counts = db.execute(
        select(
            Project.total_annotations_number + Project.skipped_annotations_number,
            Project.total_predictions_number,
        ).where(Project.id == project_id)
    ).one_or_none()
    return (bool(counts[0]), bool(counts[1])) if counts else (True, True)


def _decoded(batches: Iterator[list[str]]) -> Iterator[dict[str, object]]:
    """Plain Python tasks for the other exporters: the database-built objects of the JSON export,
    decoded. The same values as `ls_json.task` gives, encoded and decoded (timestamps as text),
    at a third of the cost of building and round-tripping a dict per task in Python."""
    loads = orjson.loads
    for batch in batches:
        yield from map(loads, batch)


def stream(
    factory: sessionmaker[Session],
    project_id: int,
    schema: labeling.Schema,
    fmt: Choice,
    *,
    only_annotated: bool,
    ids: list[int] | None = None,
    options: ExportOptions | None = None,
    tick: Callable[[int], None] | None = None,
    include_gold: bool = False,
) -> Iterator[bytes]:
    """The file's bytes; owns its session because a streamed response outlives the request."""
    db = factory()
    try:
        with scanning(db):
            if fmt.name == JSON:
                yield from _json_list(_task_batches(db, project_id, only_annotated, ids, tick, include_gold))
            elif fmt.name == "JSONL":  # the same objects, one per line
                yield from _json_lines(_task_batches(db, project_id, only_annotated, ids, tick, include_gold))
            else:
                records = _decoded(_task_batches(db, project_id, only_annotated, ids, tick, include_gold))
                yield from exporters.get(fmt.name).write(records, schema, options or ExportOptions())
    finally:
        db.close()
