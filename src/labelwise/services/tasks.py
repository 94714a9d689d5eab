"""Tasks: paging through a project, reading one with its annotations, editing and deleting."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Select, Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.base import json_array_length, raw_json, raw_stamp, table
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, Draft, Prediction, Project, Task, User
from labelwise.db.prepared import Prepared
from labelwise.io import ls_json
from labelwise.services import activity, checks, counters, events, filters, projects
from labelwise.services.errors import Invalid, NotFound

MAX_PAGE_SIZE = 10_000


def get(db: Session, task_id: int) -> Task:
    task = db.get(Task, task_id) if checks.is_id(task_id) else None
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


def page(
    db: Session, project: Project, page: int, page_size: int, query: filters.Query | None = None
) -> list[Any]:
    """One page of a project's tasks, in the query's order (default: inner_id, which is id order).

    While no task of the project was ever deleted, inner ids run 1..N without gaps, so page k of the
    default order (either direction) is an index range scan however deep it is. Otherwise the page's
    ids come first from an offset walk that touches only an index where one fits (the queue index
    `(project_id, is_labeled, id)` for status filters, `(project_id, inner_id)` for id order), and
    the rows for those ids second, so the walk never reads task data.
    """
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(
            f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}",
            {"page_size": [f"between 1 and {MAX_PAGE_SIZE}"]},
        )
    query = query or filters.Query()
    start = (page - 1) * page_size
    order = [("id" if f == "inner_id" else f, d) for f, d in query.ordering]
    by_id = order in ([], [("id", False)], [("id", True)])
    descending = bool(order and order[0][1]) if by_id else False
    base = task_rows().where(Task.project_id == project.id)
    if by_id and not query.narrows and project.deleted_tasks == 0:
        if descending:
            hi = project.last_inner_id - start
            q = base.where(Task.inner_id > hi - page_size, Task.inner_id <= hi).order_by(Task.inner_id.desc())
        else:
            q = base.where(Task.inner_id > start, Task.inner_id <= start + page_size).order_by(Task.inner_id)
        return list(db.execute(q))
    ids_q = select(Task.id).where(Task.project_id == project.id, *query.conditions)
    ids_q = ids_q.order_by(*_order_by(order, narrowed=query.narrows)).offset(start).limit(page_size)
    ids = list(db.scalars(ids_q))
    if not ids:
        return []
    rows = {r.id: r for r in db.execute(task_rows().where(table(Task).c.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _order_by(order: list[tuple[str, bool]], narrowed: bool) -> list[ColumnElement[Any]]:
    """ORDER BY for an ordering, ties broken by id. Within a project ids rise with inner ids (both are
    taken in the import's transaction, which holds the project row), so id order is read from the
    `(project_id, inner_id)` index when nothing filters, and from `id` when a status filter's index
    (`project_id, is_labeled, id`) can give it."""
    cols: list[ColumnElement[Any]] = []
    for name, desc in order:
        if name == "id":
            col: ColumnElement[Any] = (Task.id if narrowed else Task.inner_id).expression
        elif name.startswith("data."):
            col = filters.data_text(name.removeprefix("data."))
        else:
            col = filters.FIELDS[name].expression
        ordered = col.desc() if desc else col.asc()
        cols.append(ordered.nulls_last() if name in filters.NULLS_LAST else ordered)
    if not order or order[-1][0] != "id":
        last_desc = bool(order) and order[0][1] and order[0][0] == "id"
        tie = Task.id if narrowed else Task.inner_id
        cols.append(tie.desc() if last_desc else tie.asc())
    return cols


def people(db: Session, task_ids: list[int]) -> dict[int, tuple[list[int], Any]]:
    """Who annotated each task (user ids, in the order they first did) and when its latest finished
    (not skipped) annotation was made: one grouped query for a whole page, never one per task."""
    if not task_ids:
        return {}
    a = Annotation
    q = (
        select(a.task_id, a.completed_by_id, a.was_cancelled, func.min(a.id), func.max(a.created_at))
        .where(a.task_id.in_(task_ids))
        .group_by(a.task_id, a.completed_by_id, a.was_cancelled)
        .order_by(a.task_id, func.min(a.id))
    )
    out: dict[int, tuple[list[int], Any]] = {}
    for task_id, user_id, cancelled, _, last in db.execute(q):
        users, completed = out.get(task_id, ([], None))
        if user_id is not None and user_id not in users:
            users.append(user_id)
        if not cancelled and last is not None and (completed is None or last > completed):
            completed = last
        out[task_id] = (users, completed)
    return out


def _send_columns(t: Table, json_columns: tuple[str, ...]) -> list[ColumnElement[Any]]:
    """Columns of `t` shaped for sending on: JSON as raw text, timestamps as ISO text (SQLite)."""
    out: list[ColumnElement[Any]] = []
    for col in t.c:
        if col.name in json_columns:
            out.append(raw_json(col, col.name))
        elif isinstance(col.type, DateTime):
            out.append(raw_stamp(col, col.name))
        else:
            out.append(col)
    return out


def task_rows() -> Select[Any]:
    """Task rows with `data` and `meta` as raw JSON text (see `JSONText`), for pages and exports."""
    return select(*_send_columns(table(Task), ("data", "meta")))


_ONE = Prepared(task_rows().where(table(Task).c.id == bindparam("tid")))
_ONE_KEYS = tuple(_ONE.statement.selected_columns.keys())  # type: ignore[attr-defined]
_ONE_RELATED: dict[tuple[str, str], tuple[Prepared, tuple[str, ...]]] = {}


def one_with_related(db: Session, task_id: int) -> dict[str, Any]:
    """One task in Label Studio's shape, with its annotations and predictions.

    `next` answers with this for every task labeled, so its three statements are prepared
    (db/prepared.py) and their rows read as plain mappings."""
    rows = _ONE.run(db, {"tid": task_id})
    if not rows:
        raise NotFound(f"task {task_id} not found")
    row = dict(zip(_ONE_KEYS, rows[0], strict=True))
    anns, preds = (_related_of_one(db, model, task_id) for model in (Annotation, Prediction))
    return ls_json.task(row, anns, preds)


def _related_of_one(
    db: Session, model: type[Annotation] | type[Prediction], task_id: int
) -> list[dict[str, Any]]:
    dialect = db.get_bind().dialect.name
    found = _ONE_RELATED.get((model.__tablename__, dialect))
    if found is None:
        c = table(model).c
        count = json_array_length(dialect, c.result).label("result_count")
        stmt = select(*_send_columns(table(model), ("result",)), count)
        stmt = stmt.where(c.task_id == bindparam("tid")).order_by(c.id)
        found = _ONE_RELATED[(model.__tablename__, dialect)] = (
            Prepared(stmt),
            tuple(stmt.selected_columns.keys()),
        )
    prepared, keys = found
    return [dict(zip(keys, r, strict=True)) for r in prepared.run(db, {"tid": task_id})]


def _related_rows(
    db: Session, model: type[Annotation] | type[Prediction], task_ids: list[int], dense: bool = False
) -> Any:
    t = table(model)
    c = t.c
    count = json_array_length(db.get_bind().dialect.name, c.result).label("result_count")
    q = select(*_send_columns(t, ("result",)), count)
    where = c.task_id.between(min(task_ids), max(task_ids)) if dense else c.task_id.in_(task_ids)
    return db.execute(q.where(where).order_by(c.id))


def count(
    db: Session, project: Project, query: filters.Query, sums: bool = True
) -> tuple[int, int | None, int | None]:
    """(tasks, annotations, predictions) of the selection; counters when nothing narrows it.

    The sums read every selected row (no index holds the counters), so on a large selection they
    cost far more than the page; `sums=False` counts tasks only, which a covering index answers.
    """
    if not query.narrows:
        return project.task_number, project.total_annotations_number, project.total_predictions_number
    where = (Task.project_id == project.id, *query.conditions)
    if not sums:
        return int(db.execute(select(func.count()).select_from(Task).where(*where)).scalar_one()), None, None
    row = db.execute(
        select(func.count(), func.coalesce(func.sum(Task.total_annotations), 0),
               func.coalesce(func.sum(Task.total_predictions), 0))
        .where(*where)
    ).one()  # fmt: skip
    return int(row[0]), int(row[1]), int(row[2])


def related(
    db: Session,
    task_ids: list[int],
    *,
    dense: bool = False,
    annotations: bool = True,
    predictions: bool = True,
) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """Annotations and predictions of many tasks in two queries (no query per task), as rows
    whose `result` is raw JSON text: they are read only to be sent on.

    `dense` says the ids are a run in id order with few gaps (an export batch): then a range on the
    task index replaces an IN list of a thousand parameters. A kind the project has none of
    (its counters say so) is not queried at all.
    """
    anns: dict[int, list[Any]] = defaultdict(list)
    preds: dict[int, list[Any]] = defaultdict(list)
    if not task_ids:
        return anns, preds
    if annotations:
        for a in _related_rows(db, Annotation, task_ids, dense):
            anns[a.task_id].append(a)
    if predictions:
        for p in _related_rows(db, Prediction, task_ids, dense):
            preds[p.task_id].append(p)
    return anns, preds


def create(db: Session, project: Project, user: User, body: dict[str, Any]) -> Task:
    from labelwise.services import imports

    data = body.get("data")
    if not isinstance(data, dict):
        raise Invalid("data must be an object", {"data": ["expected an object"]})
    item = {"data": data, "meta": body.get("meta") or {}}
    result = imports.import_items(db, project, user, [item])
    return get(db, result.task_ids[0])


def update(db: Session, task: Task, user: User, body: dict[str, Any]) -> Task:
    begin_write(db)
    if "data" in body:
        data = body["data"]
        if not isinstance(data, dict):
            raise Invalid("data must be an object", {"data": ["expected an object"]})
        project = projects.get(db, task.project_id)
        missing = labeling.missing_data_keys(projects.schema(project), data)
        if missing:
            raise Invalid(
                f"data lacks {', '.join('$' + k for k in missing)} required by the labeling config",
                {"data": [f"missing key {k}" for k in missing]},
            )
        from labelwise.services.imports import data_hash

        task.data = data
        task.data_hash = data_hash(data)
    if "meta" in body:
        if not isinstance(body["meta"], dict):
            raise Invalid("meta must be an object", {"meta": ["expected an object"]})
        task.meta = body["meta"]
    activity.record(db, user, "task.updated", "task", task.id, None, task.project_id)
    db.commit()
    return task


def delete_one(db: Session, task: Task, user: User) -> None:
    """Kept in the trash first, with its annotations and predictions (services/trash.py)."""
    from labelwise.services import trash

    begin_write(db)
    trash.keep_tasks(db, task.project_id, select(Task.id).where(Task.id == task.id), user)
    counters.tasks_removed(
        db,
        task.project_id,
        1,
        task.total_annotations,
        task.cancelled_annotations,
        task.total_predictions,
        int(task.total_annotations > 0),
    )
    db.execute(delete(Draft).where(Draft.task_id == task.id))
    db.execute(delete(Task).where(Task.id == task.id))
    events.emit(
        db,
        "TASKS_DELETED",
        task.project_id,
        events.deleted_payload(db, "tasks", lambda: [task.id], task.project_id),
    )
    db.commit()


def delete_all(db: Session, project: Project, user: User) -> int:
    """Every task of the project, kept in the trash as one deletion."""
    from labelwise.services import trash

    begin_write(db)
    n = project.task_number
    trash.keep_tasks(db, project.id, select(Task.id).where(Task.project_id == project.id), user)
    ids = lambda: list(db.scalars(select(Task.id).where(Task.project_id == project.id)))  # noqa: E731
    events.emit(
        db, "TASKS_DELETED", project.id, events.deleted_payload(db, "tasks", ids, project.id)
    )  # the ids are read when the payload is built, inside this transaction: before the delete
    db.execute(delete(Task).where(Task.project_id == project.id))
    project.task_number = 0
    project.deleted_tasks += max(n, 1)
    project.total_annotations_number = project.skipped_annotations_number = 0
    project.total_predictions_number = project.num_tasks_with_annotations = 0
    db.commit()
    return n
