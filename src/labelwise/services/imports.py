"""Turning a list of incoming task items into stored tasks, annotations and predictions.

All or nothing: every item is checked against the project's config before the first row is
written, and the rows are written in one transaction through the bulk path (`db/bulk.py`).
"""

from __future__ import annotations

import hashlib
import operator
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice, repeat
from typing import Any, NamedTuple, overload

import orjson
from sqlalchemy import Text, cast, select, update
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db import bulk, statistics
from labelwise.db.engine import begin_write
from labelwise.db.models import FileUpload, Import, Project, Task, User
from labelwise.services import activity, checks, counters, events, projects
from labelwise.services.errors import Invalid

MAX_REPORTED = 10
EMPTY: dict[str, Any] = {}
TASK_COLUMNS = (
    "id", "project_id", "inner_id", "data", "meta", "data_hash", "import_id", "created_at", "updated_at",
    "is_labeled", "total_annotations", "cancelled_annotations", "total_predictions",
)  # fmt: skip
ANNOTATION_COLUMNS = (
    "id", "task_id", "project_id", "completed_by_id", "result", "was_cancelled", "ground_truth", "lead_time",
    "unique_id", "import_id", "created_at", "updated_at",
)  # fmt: skip
HISTORY_COLUMNS = (
    "annotation_id", "task_id", "project_id", "user_id", "action", "result", "was_cancelled", "ground_truth",
    "lead_time", "created_at",
)  # fmt: skip
PREDICTION_COLUMNS = (
    "task_id", "project_id", "result", "score", "model_version", "mislabeling", "created_at", "updated_at",
)  # fmt: skip


def data_hash(data: dict[str, Any]) -> str:
    """A key-order independent fingerprint of task data, for de-duplication."""
    return hashlib.blake2b(orjson.dumps(data, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


class Item(NamedTuple):
    """One task to store; a tuple because an import builds a million of them."""

    data: dict[str, Any]
    meta: dict[str, Any]
    annotations: Sequence[dict[str, Any]] = ()
    predictions: Sequence[dict[str, Any]] = ()


@dataclass
class Result:
    import_id: int
    task_count: int
    annotation_count: int
    prediction_count: int
    duration: float
    task_ids: list[int]
    data_columns: list[str]
    skipped_duplicates: int = 0
    file_upload_ids: list[int] = field(default_factory=list)


def _as_list(value: Any, where: str, errors: list[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors.append(f"{where}: must be a list of objects")
        return []
    return value


def parse_item(where: str, raw: Any, schema: labeling.Schema, errors: list[str]) -> Item | None:
    """One incoming item: a flat data dict, or `{data, annotations, predictions, meta}`.
    `where` names it in errors ("item 3", or "tasks.csv: line 4" for uploads)."""
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be a JSON object, got {type(raw).__name__}")
        return None
    if isinstance(raw.get("data"), dict):
        data = raw["data"]
        meta = raw.get("meta") or {}
        if not isinstance(meta, dict):
            errors.append(f"{where}: meta must be an object")
            return None
        anns = _as_list(raw.get("annotations", raw.get("completions")), f"{where}: annotations", errors)
        preds = _as_list(raw.get("predictions"), f"{where}: predictions", errors)
        item = Item(data, meta, anns, preds)
    else:
        item = Item(raw, {})
    missing = labeling.missing_data_keys(schema, item.data)
    if missing:
        keys = ", ".join(f"${k}" for k in missing)
        errors.append(f"{where}: data lacks {keys} required by the labeling config")
        return None
    for kind, results in (("annotation", item.annotations), ("prediction", item.predictions)):
        for j, obj in enumerate(results):
            result = obj.get("result", [])
            try:
                _check_fields(kind, obj)
                if kind == "annotation" and obj.get("was_cancelled") and not result:
                    continue
                labeling.validate_result(schema, item.data, result)
            except labeling.InvalidResult as exc:
                errors.append(f"{where}, {kind} {j}: {exc}")
                return None
            except Invalid as exc:
                errors.append(f"{where}, {kind} {j}: {exc.detail}")
                return None
    return item


def _check_fields(kind: str, obj: dict[str, Any]) -> None:
    if kind == "annotation":
        checks.flag(obj, "was_cancelled")
        checks.flag(obj, "ground_truth")
        checks.number(obj.get("lead_time"), "lead_time")
    else:
        checks.number(obj.get("score"), "score")
        if obj.get("model_version") is not None:
            checks.text(obj["model_version"], "model_version", 255)


class FlatItems(Sequence[Item]):
    """Plain data dicts seen as Items without building a million tuples up front."""

    def __init__(self, data: list[dict[str, Any]]) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | Sequence[Item]:
        if isinstance(index, slice):
            return FlatItems(self.data[index])
        return Item(self.data[index], EMPTY)

    def __iter__(self) -> Iterator[Item]:
        return (Item(d, EMPTY) for d in self.data)


def _flat_and_complete(raw_items: list[Any], required: Sequence[str]) -> bool:
    """Every item a dict of task data holding every required key: the common import, checked in
    a few passes that run in C (`map` over built-ins) rather than a Python loop per item."""
    if set(map(type, raw_items)) - {dict}:
        return False
    if any(map(operator.contains, raw_items, repeat("data"))):
        return False
    return all(None not in map(dict.get, raw_items, repeat(key)) for key in required)


def parse_items(schema: labeling.Schema, raw_items: Any, labels: list[str] | None = None) -> Sequence[Item]:
    if isinstance(raw_items, dict):
        raw_items = [raw_items]
    if not isinstance(raw_items, list):
        raise Invalid("tasks must be a JSON list of objects", {"tasks": ["expected a list"]})
    if _flat_and_complete(raw_items, schema.required_data_keys):
        return FlatItems(raw_items)
    errors: list[str] = []
    items: list[Item] = []
    required = schema.required_data_keys
    for i, raw in enumerate(raw_items):
        # A flat item with every key needs no further checks.
        if type(raw) is dict and "data" not in raw and None not in map(raw.get, required):
            items.append(Item(raw, EMPTY))
            continue
        item = parse_item(labels[i] if labels else f"item {i}", raw, schema, errors)
        if item is not None:
            items.append(item)
        if len(errors) >= MAX_REPORTED:
            break
    if errors:
        more = " (first errors shown)" if len(errors) >= MAX_REPORTED else ""
        raise Invalid(f"{len(errors)} invalid item(s){more}: {errors[0]}", {"tasks": errors})
    return items


def _user_ids(db: Session, items: Sequence[Item], fallback: int) -> dict[Any, int]:
    """Map `completed_by` values in imported annotations to existing users; unknown ones fall back."""
    wanted = {a.get("completed_by") for it in items for a in it.annotations}
    ids = {w for w in wanted if checks.is_id(w)}
    emails = {w for w in wanted if isinstance(w, str)}
    found: dict[Any, int] = {}
    if ids:
        found.update({i: i for i in db.scalars(select(User.id).where(User.id.in_(ids)))})
    if emails:
        found.update({e: i for e, i in db.execute(select(User.email, User.id).where(User.email.in_(emails)))})
    return {w: found.get(w, fallback) for w in wanted}


@dataclass
class _Run:
    """One import in progress: the transaction's Import row and what its batches added so far."""

    project: Project
    user: User
    imp: Import
    stamp: Any
    started: float
    task_ids: list[int] = field(default_factory=list)
    columns: dict[str, None] = field(default_factory=dict)
    n_ann: int = 0
    n_skip: int = 0
    n_pred: int = 0
    with_annotations: int = 0
    # De-duplication: the hashes this import stored so far; None when it is off.
    seen: set[str] | None = None
    n_dup: int = 0


def _begin(
    db: Session, project: Project, user: User, skip_duplicates: bool = False, import_id: int | None = None
) -> _Run:
    started = time.perf_counter()
    begin_write(db)
    now = datetime.now(UTC)
    if import_id is not None:  # a background import: its row was written when it was queued
        imp = db.get(Import, import_id, populate_existing=True)
        if imp is None or imp.project_id != project.id:
            raise Invalid(f"import {import_id} not found in project {project.id}")
        imp.status = "completed"
        imp.error = ""
    else:
        imp = Import(project_id=project.id, user_id=user.id, status="completed", created_at=now)
        db.add(imp)
    db.flush()
    run = _Run(project, user, imp, bulk.timestamp(db, now), started)
    if skip_duplicates:
        _backfill_hashes(db, project.id)
        run.seen = set()
    return run


HASH_BATCH = 5000


def _backfill_hashes(db: Session, project_id: int) -> None:
    """Give the project's tasks stored without a hash one, so de-duplication sees every task.

    Plain imports skip hashing (it would cost the million-task import path a second per million);
    the first de-duplicating import pays for it once, in its own transaction.
    """
    after = 0
    while True:
        rows = db.execute(
            select(Task.id, cast(Task.data, Text))
            .where(Task.project_id == project_id, Task.data_hash.is_(None), Task.id > after)
            .order_by(Task.id)
            .limit(HASH_BATCH)
        ).all()
        if not rows:
            return
        pairs = [(data_hash(orjson.loads(data)), tid) for tid, data in rows]
        raw = db.connection().connection.driver_connection
        sql = (
            "UPDATE tasks SET data_hash = ? WHERE id = ?"
            if bulk.is_sqlite(db)
            else ("UPDATE tasks SET data_hash = %s WHERE id = %s")
        )
        raw.cursor().executemany(sql, pairs)  # type: ignore[union-attr]
        after = rows[-1][0]


def _new_items(db: Session, run: _Run, items: Sequence[Item]) -> tuple[Sequence[Item], list[str | None]]:
    """The items whose data the project does not hold yet (nor this import, earlier), with their
    hashes; the rest are counted as skipped duplicates."""
    seen = run.seen
    if seen is None:
        return items, [None] * len(items)
    hashes = [data_hash(item.data) for item in items]
    existing = set(
        db.scalars(
            select(Task.data_hash).where(
                Task.project_id == run.project.id, Task.data_hash.in_(set(hashes) - seen)
            )
        )
    )
    kept: list[Item] = []
    kept_hashes: list[str | None] = []
    for item, h in zip(items, hashes, strict=True):
        if h in seen or h in existing:
            run.n_dup += 1
            continue
        seen.add(h)
        kept.append(item)
        kept_hashes.append(h)
    return kept, kept_hashes


def _inner_ids(db: Session, project: Project, n: int) -> int:
    """Reserve `n` consecutive inner ids in the project; returns the first."""
    last = db.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(last_inner_id=Project.last_inner_id + n)
        .returning(Project.last_inner_id)
    ).scalar_one()
    return int(last) - n + 1


def _store_batch(db: Session, run: _Run, items: Sequence[Item]) -> None:
    items, hashes = _new_items(db, run, items)
    n = len(items)
    if not n:
        return
    first_inner = _inner_ids(db, run.project, n)
    if len(run.columns) < 1000:
        for item in items[:1000]:
            run.columns.update(dict.fromkeys(item.data))
    task_ids = bulk.allocate_ids(db, "tasks", n)
    # Imported annotations are not reviewed, so in a project that requires review they leave tasks open.
    max_ann = 2**31 if counters.requires_review(run.project) else run.project.maximum_annotations
    pid, imp_id, stamp = run.project.id, run.imp.id, run.stamp
    dumps = orjson.dumps
    task_rows: list[tuple[Any, ...]] = []
    ann_items: list[tuple[int, dict[str, Any]]] = []
    pred_items: list[tuple[int, dict[str, Any]]] = []
    for k, (data, meta, anns, preds) in enumerate(items):
        tid = task_ids[k]
        meta_text = "{}" if meta is EMPTY else dumps(meta).decode()
        if not anns and not preds:  # the common case, kept tight: a million of these is normal
            task_rows.append(
                (tid, pid, first_inner + k, dumps(data).decode(), meta_text, hashes[k], imp_id, stamp, stamp,
                 False, 0, 0, 0)
            )  # fmt: skip
            continue
        total = cancelled = 0
        for a in anns:
            if a.get("was_cancelled"):
                cancelled += 1
            else:
                total += 1
            ann_items.append((tid, a))
        for p in preds:
            pred_items.append((tid, p))
        run.with_annotations += total > 0
        task_rows.append(
            (tid, pid, first_inner + k, dumps(data).decode(), meta_text, hashes[k], imp_id, stamp, stamp,
             total >= max_ann, total, cancelled, len(preds))
        )  # fmt: skip
    bulk.insert_rows(db, "tasks", TASK_COLUMNS, task_rows)
    n_ann, n_skip = _store_annotations(db, run.project, run.user, items, ann_items, imp_id, stamp)
    _store_predictions(db, run.project, pred_items, stamp)
    run.n_ann += n_ann
    run.n_skip += n_skip
    run.n_pred += len(pred_items)
    run.task_ids.extend(task_ids)


def store(
    db: Session,
    project: Project,
    user: User,
    items: Sequence[Item],
    body: str | None = None,
    skip_duplicates: bool = False,
) -> Result:
    """Write parsed items in one transaction and commit.

    `body` is the JSON text the items were parsed from, given when every item is a flat data dict:
    then the database splits it itself (`bulk.insert_tasks_from_json`), the fastest path there is.
    With `skip_duplicates`, tasks whose data the project already holds are left out (by hash).
    """
    run = _begin(db, project, user, skip_duplicates)
    if body is None or skip_duplicates:
        _store_batch(db, run, items)
        return _finish(db, run)
    n = len(items)
    first_inner = _inner_ids(db, project, n)
    for item in items[:1000]:
        run.columns.update(dict.fromkeys(item.data))
    run.task_ids = bulk.insert_tasks_from_json(db, body, n, project.id, first_inner, run.imp.id, run.stamp)
    return _finish(db, run)


STREAM_BATCH = 5000


def _chunks(it: Iterator[tuple[str, Any]], size: int) -> Iterator[list[tuple[str, Any]]]:
    while chunk := list(islice(it, size)):
        yield chunk


def store_stream(
    db: Session,
    project: Project,
    user: User,
    records: Iterable[tuple[str, Any]],
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[list[int]], None] | None = None,
    skip_duplicates: bool = False,
    uploads: list[int] | None = None,
    import_id: int | None = None,
) -> Result:
    """Import `(where, item)` pairs from readers in batches, all in one transaction.

    Memory holds one batch, however large the file; the first invalid item anywhere rolls the
    whole import back, so a failed import leaves nothing behind. `uploads` is the list of file
    upload ids the records' media were stored as, filled while the records are read; the import
    row records them.
    """
    schema = projects.schema(project)
    try:
        run = _begin(db, project, user, skip_duplicates, import_id)
        for chunk in _chunks(iter(records), STREAM_BATCH):
            labels = [where for where, _ in chunk]
            items = parse_items(schema, [item for _, item in chunk], labels)
            _store_batch(db, run, items)
            if progress is not None:
                progress(len(chunk))
        if not run.task_ids and not run.n_dup:
            raise Invalid("no tasks found in the files", {"file": ["no tasks"]})
        if uploads:
            run.imp.file_upload_ids = list(uploads)
            db.execute(update(FileUpload).where(FileUpload.id.in_(uploads)).values(import_id=run.imp.id))
        if before_commit is not None:  # the caller's own rows, in the same transaction
            before_commit(run.task_ids)
        return _finish(db, run)
    except BaseException:
        db.rollback()
        raise


def _finish(db: Session, run: _Run) -> Result:
    n = len(run.task_ids)
    project, imp = run.project, run.imp
    n_ann, n_skip, n_pred = run.n_ann, run.n_skip, run.n_pred
    before = project.task_number or 0
    db.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(
            task_number=Project.task_number + n,
            total_annotations_number=Project.total_annotations_number + n_ann,
            skipped_annotations_number=Project.skipped_annotations_number + n_skip,
            total_predictions_number=Project.total_predictions_number + n_pred,
            num_tasks_with_annotations=Project.num_tasks_with_annotations + run.with_annotations,
        )
    )
    columns = list(run.columns)
    imp.task_count, imp.annotation_count, imp.prediction_count = n, n_ann + n_skip, n_pred
    imp.data_columns = columns
    imp.duration = time.perf_counter() - run.started
    imp.finished_at = datetime.now(UTC)
    detail = {"tasks": n, "skipped_duplicates": run.n_dup} if run.seen is not None else {"tasks": n}
    activity.record(db, run.user, "tasks.imported", "import", imp.id, detail, project.id)
    if run.task_ids:
        events.emit(
            db, "TASKS_CREATED", project.id, events.tasks_created_payload(db, project.id, run.task_ids)
        )
    if n_ann > 1 and run.task_ids:  # tasks imported with several annotations get their agreement
        from labelwise.services import task_agreement

        lo, hi = min(run.task_ids), max(run.task_ids)  # a key range, not a list of a million ids
        imported = select(Task.id).where(Task.project_id == project.id, Task.id.between(lo, hi))
        task_agreement.recompute(db, project.id, project.label_config, imported)
    if n_ann + n_skip:
        events.emit(
            db, "ANNOTATIONS_CREATED", project.id, events.imported_annotations_payload(db, project.id, imp.id)
        )
    db.commit()
    if statistics.stale_after(before, n):
        wrote = [("tasks", n), ("annotations", n_ann + n_skip), ("predictions", n_pred)]
        statistics.refresh(db, [name for name, rows in wrote if rows >= statistics.MIN_ROWS])
    return Result(
        imp.id, n, n_ann + n_skip, n_pred, imp.duration, run.task_ids, columns, run.n_dup, imp.file_upload_ids
    )


def _store_annotations(
    db: Session,
    project: Project,
    user: User,
    items: Sequence[Item],
    ann_items: list[tuple[int, dict[str, Any]]],
    import_id: int,
    now: Any,
) -> tuple[int, int]:
    if not ann_items:
        return 0, 0
    users = _user_ids(db, items, user.id)
    ids = bulk.allocate_ids(db, "annotations", len(ann_items))
    rows: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    n_ann = n_skip = 0
    for aid, (tid, a) in zip(ids, ann_items, strict=True):
        result = orjson.dumps(a.get("result") or []).decode()
        cancelled = bool(a.get("was_cancelled"))
        n_skip += cancelled
        n_ann += not cancelled
        lead = checks.number(a.get("lead_time"), "lead_time")
        who = users.get(a.get("completed_by"), user.id)
        rows.append(
            (aid, tid, project.id, who, result, cancelled, bool(a.get("ground_truth")), lead,
             str(uuid.uuid4()), import_id, now, now)
        )  # fmt: skip
        history.append((aid, tid, project.id, who, "imported", result, cancelled, bool(a.get("ground_truth")),
                        lead, now))  # fmt: skip
    bulk.insert_rows(db, "annotations", ANNOTATION_COLUMNS, rows)
    bulk.insert_rows(db, "annotation_history", HISTORY_COLUMNS, history)
    return n_ann, n_skip


def _store_predictions(
    db: Session, project: Project, pred_items: list[tuple[int, dict[str, Any]]], now: Any
) -> None:
    rows = [
        (
            tid, project.id, orjson.dumps(p.get("result") or []).decode(),
            checks.number(p.get("score"), "score"),
            str(p.get("model_version") or ""), 0.0, now, now,
        )
        for tid, p in pred_items
    ]  # fmt: skip
    bulk.insert_rows(db, "predictions", PREDICTION_COLUMNS, rows)


def import_items(db: Session, project: Project, user: User, raw_items: Any) -> Result:
    items = parse_items(projects.schema(project), raw_items)
    return store(db, project, user, items)


def all_flat(items: Sequence[Item]) -> bool:
    """True when every item is a plain data dict, so its JSON text is exactly the task data."""
    if isinstance(items, FlatItems):
        return True
    return all(item.meta is EMPTY and not item.annotations and not item.predictions for item in items)


def get(db: Session, project: Project, import_id: int) -> Import | None:
    if not checks.is_id(import_id):
        return None
    return db.scalar(select(Import).where(Import.id == import_id, Import.project_id == project.id))
