"""The trash: deleted tasks, annotations and predictions kept for `LABELWISE_TRASH_DAYS` (30) days.

A delete first copies what it removes into the shadow tables (db/models/trash.py) under one `Deletion`,
with `INSERT … SELECT` (one statement per table whatever the selection's size), then deletes as
before, in the same transaction. A restore copies the rows back with their original ids, the same way,
and moves the counters; it refuses (409) when an id has been taken since or a task the rows belong to
is gone. Expired deletions are purged (`purge`) at start-up. Project deletion is not kept: it is final.

Not kept: drafts, task locks, assignments and reviews of what was deleted (restored tasks and
annotations come back unreviewed).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from labelwise.db.base import table, utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, AnnotationHistory, Prediction, Project, Task, User
from labelwise.db.models.trash import Deletion, trash_annotations, trash_predictions, trash_tasks
from labelwise.services import activity, checks, counters, history
from labelwise.services.errors import Conflict, Invalid, NotFound

DEFAULT_DAYS = 30
_T, _A, _P, _D = table(Task), table(Annotation), table(Prediction), table(Deletion)
_SHADOW: dict[str, tuple[Table, Table]] = {
    "tasks": (trash_tasks, _T),
    "annotations": (trash_annotations, _A),
    "predictions": (trash_predictions, _P),
}
_SINGULAR = {"tasks": "task", "annotations": "annotation", "predictions": "prediction"}


def _columns(source: Table) -> list[str]:
    return [c.name for c in source.c]


def _copy_out(db: Session, kind: str, deletion_id: int, where: Any) -> int:
    shadow, source = _SHADOW[kind]
    names = _columns(source)
    rows = select(literal(deletion_id, Integer()), *[source.c[n] for n in names]).where(where)
    db.execute(insert(shadow).from_select(["deletion_id", *names], rows))
    return _held(db, shadow, deletion_id)


def _held(db: Session, shadow: Table, deletion_id: int) -> int:
    """Rows of a deletion in one shadow table (an index count: INSERT … SELECT's rowcount is not
    reported by every driver)."""
    q = select(func.count()).select_from(shadow).where(shadow.c.deletion_id == deletion_id)
    return int(db.execute(q).scalar_one())


def _copy_back(db: Session, kind: str, deletion_id: int, overrides: dict[str, Any] | None = None) -> int:
    shadow, source = _SHADOW[kind]
    names = _columns(source)
    values = [(overrides or {}).get(n, shadow.c[n]) for n in names]
    rows = select(*values).where(shadow.c.deletion_id == deletion_id)
    db.execute(insert(source).from_select(names, rows))
    return _held(db, shadow, deletion_id)


def _new_deletion(db: Session, project_id: int, kind: str, user: User | None) -> int:
    stmt = insert(_D).values(
        project_id=project_id,
        kind=kind,
        count=0,
        deleted_by_id=user.id if user else None,
        deleted_at=utcnow(),
    )
    return int(db.execute(stmt.returning(_D.c.id)).scalar_one())


def _finish(
    db: Session, deletion_id: int, user: User | None, kind: str, project_id: int, counts: dict[str, int]
) -> int:
    n = counts[kind]
    db.execute(update(_D).where(_D.c.id == deletion_id).values(count=n))
    detail = {**counts, "deletion": deletion_id}
    activity.record(db, user, f"{_SINGULAR[kind]}.deleted", "deletion", deletion_id, detail, project_id)
    return deletion_id


def keep_tasks(db: Session, project_id: int, chosen: Select[Any], user: User | None) -> int:
    """Before deleting the tasks `chosen` selects (task ids): keep them with their annotations and
    predictions, and write a `deleted` history row per annotation. Returns the deletion's id."""
    did = _new_deletion(db, project_id, "tasks", user)
    anns = select(_A.c.id).where(_A.c.task_id.in_(chosen))
    history.record_many(db, anns, user, history.DELETED)
    counts = {
        "tasks": _copy_out(db, "tasks", did, _T.c.id.in_(chosen)),
        "annotations": _copy_out(db, "annotations", did, _A.c.task_id.in_(chosen)),
        "predictions": _copy_out(db, "predictions", did, _P.c.task_id.in_(chosen)),
    }
    return _finish(db, did, user, "tasks", project_id, counts)


def keep_annotations(db: Session, project_id: int, chosen: Select[Any], user: User | None) -> int:
    """Before deleting the annotations `chosen` selects (annotation ids)."""
    did = _new_deletion(db, project_id, "annotations", user)
    history.record_many(db, chosen, user, history.DELETED)
    n = _copy_out(db, "annotations", did, _A.c.id.in_(chosen))
    return _finish(db, did, user, "annotations", project_id, {"annotations": n})


def keep_predictions(db: Session, project_id: int, chosen: Select[Any], user: User | None) -> int:
    """Before deleting the predictions `chosen` selects (prediction ids)."""
    did = _new_deletion(db, project_id, "predictions", user)
    n = _copy_out(db, "predictions", did, _P.c.id.in_(chosen))
    return _finish(db, did, user, "predictions", project_id, {"predictions": n})


# ---- reading ------------------------------------------------------------------------------------


def get(db: Session, deletion_id: Any, lock: bool = False) -> Deletion:
    q = select(Deletion).where(Deletion.id == deletion_id)
    row = db.scalars(q.with_for_update() if lock else q).first() if checks.is_id(deletion_id) else None
    if row is None:
        raise NotFound(f"deletion {deletion_id} not found")
    return row


def page(
    db: Session, project_id: int | None, page_number: int, page_size: int
) -> tuple[int, list[Deletion], dict[int, dict[str, int]]]:
    """(count, the page's deletions newest first, rows still in the trash per deletion and kind)."""
    where = [] if project_id is None else [_D.c.project_id == project_id]
    total = int(db.execute(select(func.count()).select_from(_D).where(*where)).scalar_one())
    q = select(Deletion).where(*where).order_by(_D.c.id.desc())
    rows = list(db.scalars(q.offset((page_number - 1) * page_size).limit(page_size)))
    ids = [d.id for d in rows]
    held: dict[int, dict[str, int]] = {i: {k: 0 for k in _SHADOW} for i in ids}
    for kind, (shadow, _) in _SHADOW.items():
        if not ids:
            break
        q2 = select(shadow.c.deletion_id, func.count()).where(shadow.c.deletion_id.in_(ids))
        for did, n in db.execute(q2.group_by(shadow.c.deletion_id)):
            held[did][kind] = int(n)
    return total, rows, held


def deletion_json(d: Deletion, held: dict[str, int], days: int) -> dict[str, Any]:
    state = "purged" if d.purged_at else "restored" if d.restored_at else "kept"
    return {
        "id": d.id,
        "project": d.project_id,
        "kind": d.kind,
        "count": d.count,
        "deleted_by": d.deleted_by_id,
        "deleted_at": d.deleted_at,
        "restored_at": d.restored_at,
        "restored_by": d.restored_by_id,
        "purged_at": d.purged_at,
        "expires_at": d.deleted_at + timedelta(days=days),
        "state": state,
        "in_trash": held,
    }


# ---- restoring ----------------------------------------------------------------------------------


def _first_ids(db: Session, q: Select[Any]) -> list[int]:
    return [int(i) for i in db.scalars(q.limit(10))]


def _refuse_taken(db: Session, kind: str, deletion_id: int) -> None:
    shadow, source = _SHADOW[kind]
    taken = select(shadow.c.id).where(
        shadow.c.deletion_id == deletion_id, shadow.c.id.in_(select(source.c.id))
    )
    ids = _first_ids(db, taken)
    if ids:
        raise Conflict(
            f"{kind} with ids {', '.join(map(str, ids))} exist again; the deletion cannot be restored",
            {kind: [f"id {i} is taken" for i in ids]},
        )


def _refuse_orphans(db: Session, kind: str, deletion_id: int) -> None:
    shadow, _ = _SHADOW[kind]
    gone = select(shadow.c.task_id).where(
        shadow.c.deletion_id == deletion_id, shadow.c.task_id.not_in(select(_T.c.id))
    )
    ids = _first_ids(db, gone.distinct())
    if ids:
        raise Conflict(
            f"tasks {', '.join(map(str, ids))} these {kind} belong to are deleted; restore them first",
            {"task": [f"task {i} is gone" for i in ids]},
        )


def _task_sums(db: Session, tasks: Any) -> tuple[int, int, int, int]:
    row = db.execute(
        select(
            func.coalesce(func.sum(_T.c.total_annotations), 0),
            func.coalesce(func.sum(_T.c.cancelled_annotations), 0),
            func.coalesce(func.sum(_T.c.total_predictions), 0),
            func.coalesce(func.sum(case((_T.c.total_annotations > 0, 1), else_=0)), 0),
        ).where(_T.c.id.in_(tasks))
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def recount_tasks(db: Session, project: Project, tasks: Any) -> None:
    """Recount the selected tasks' annotation and prediction counters from their rows and move the
    project's counters by the difference: set-based, bounded by the selection."""
    before = _task_sums(db, tasks)
    from labelwise.services.gold import KEY_ACTION  # gold tasks' answer keys are never counted

    key = _A.c.last_action.is_not(None) & (_A.c.last_action == KEY_ACTION)
    done = select(func.count()).where(_A.c.task_id == _T.c.id, _A.c.was_cancelled == false(), ~key)
    skipped = select(func.count()).where(_A.c.task_id == _T.c.id, _A.c.was_cancelled != false())
    preds = select(func.count()).where(_P.c.task_id == _T.c.id)
    total = done.scalar_subquery()
    db.execute(
        update(_T)
        .where(_T.c.id.in_(tasks))
        .values(
            total_annotations=total,
            cancelled_annotations=skipped.scalar_subquery(),
            total_predictions=preds.scalar_subquery(),
            is_labeled=total >= project.maximum_annotations,
        )
    )
    after = _task_sums(db, tasks)
    d = [a - b for a, b in zip(after, before, strict=True)]
    _move_project(db, project.id, 0, d[0], d[1], d[2], d[3])


def _move_project(
    db: Session, pid: int, tasks: int, anns: int, skipped: int, preds: int, with_anns: int
) -> None:
    p = table(Project).c
    db.execute(
        update(table(Project))
        .where(p.id == pid)
        .values(
            task_number=p.task_number + tasks,
            total_annotations_number=p.total_annotations_number + anns,
            skipped_annotations_number=p.skipped_annotations_number + skipped,
            total_predictions_number=p.total_predictions_number + preds,
            num_tasks_with_annotations=p.num_tasks_with_annotations + with_anns,
        )
    )


def _restore_tasks(db: Session, project: Project, did: int) -> dict[str, int]:
    for kind in _SHADOW:
        _refuse_taken(db, kind, did)
    s = trash_tasks.c
    taken_inner = select(s.inner_id).where(
        s.deletion_id == did,
        select(_T.c.id).where(_T.c.project_id == s.project_id, _T.c.inner_id == s.inner_id).exists(),
    )
    if _first_ids(db, taken_inner):
        raise Conflict("inner ids of these tasks are taken again", {"tasks": ["inner id taken"]})
    n = _copy_back(db, "tasks", did, {"reviews_accepted": literal(0), "reviews_rejected": literal(0)})
    a = _copy_back(db, "annotations", did, {"review_state": null()})
    p = _copy_back(db, "predictions", did)
    restored = select(s.id).where(s.deletion_id == did)
    # The counters come back with the rows; only the project's totals move.
    anns, skipped, preds, with_anns = _task_sums(db, restored)
    _move_project(db, project.id, n, anns, skipped, preds, with_anns)
    db.execute(  # the project's overlap may have changed since
        update(_T)
        .where(_T.c.id.in_(restored))
        .values(is_labeled=_T.c.total_annotations >= project.maximum_annotations)
    )
    return {"tasks": n, "annotations": a, "predictions": p}


def _restore_related(db: Session, project: Project, did: int, kind: str) -> dict[str, int]:
    _refuse_orphans(db, kind, did)
    _refuse_taken(db, kind, did)
    overrides = {"review_state": null()} if kind == "annotations" else None
    n = _copy_back(db, kind, did, overrides)
    shadow, _ = _SHADOW[kind]
    tasks = select(shadow.c.task_id).where(shadow.c.deletion_id == did)
    recount_tasks(db, project, tasks)
    if kind == "annotations":
        from labelwise.services import task_agreement

        task_agreement.recompute(db, project.id, project.label_config, tasks)
    return {kind: n}


def restore(db: Session, deletion_id: Any, user: User) -> dict[str, Any]:
    """Put a deletion's rows back with their original ids; the deletion is marked restored and its
    trash rows are dropped (they are live again)."""
    begin_write(db)
    d = get(db, deletion_id, lock=True)
    if d.restored_at is not None:
        raise Conflict(f"deletion {d.id} was already restored", {"deletion": ["already restored"]})
    if d.purged_at is not None:
        raise Conflict(f"deletion {d.id} was purged after its time in the trash", {"deletion": ["purged"]})
    project = db.get(Project, d.project_id) if d.project_id is not None else None
    if project is None:
        raise Conflict("the project of this deletion is gone", {"project": ["deleted"]})
    if d.kind == "tasks":
        counts = _restore_tasks(db, project, d.id)
    elif d.kind in _SHADOW:
        counts = _restore_related(db, project, d.id, d.kind)
    else:
        raise Invalid(f"unknown deletion kind {d.kind!r}", {"kind": ["unknown"]})
    if "annotations" in counts:
        shadow = trash_annotations.c
        history.record_many(db, select(shadow.id).where(shadow.deletion_id == d.id), user, history.RESTORED)
    for shadow_table, _ in _SHADOW.values():
        db.execute(delete(shadow_table).where(shadow_table.c.deletion_id == d.id))
    d.restored_at, d.restored_by_id = utcnow(), user.id
    detail = {**counts, "kind": d.kind, "deletion": d.id}
    activity.record(db, user, "trash.restored", "deletion", d.id, detail, project.id)
    db.commit()
    return {"id": d.id, "restored": counts}


def recreate_annotation(db: Session, entry: AnnotationHistory, user: User) -> None:
    """A deleted annotation back with its original id and this history entry's result: its row from
    the trash when it is still there (then it leaves the trash), else rebuilt from its history."""
    begin_write(db)
    if db.get(Annotation, entry.annotation_id) is not None:
        raise Conflict(f"annotation {entry.annotation_id} exists", {"annotation": ["exists"]})
    task = db.get(Task, entry.task_id)
    if task is None:
        raise Conflict(
            f"task {entry.task_id} of this annotation is deleted; restore it from the trash first",
            {"task": ["deleted"]},
        )
    s = trash_annotations.c
    kept = db.execute(
        select(trash_annotations)
        .join(_D, _D.c.id == s.deletion_id)
        .where(s.id == entry.annotation_id, _D.c.restored_at.is_(None), _D.c.purged_at.is_(None))
        .order_by(s.trash_id.desc())
        .limit(1)
    ).first()
    now = utcnow()
    if kept is not None:
        values = {n: getattr(kept, n) for n in _columns(_A)}
        db.execute(delete(trash_annotations).where(s.trash_id == kept.trash_id))
    else:
        author = history.subject(db, entry.annotation_id).author_id
        values = {
            "id": entry.annotation_id, "task_id": entry.task_id, "project_id": entry.project_id,
            "completed_by_id": author, "updated_by_id": None, "ground_truth": entry.ground_truth,
            "lead_time": entry.lead_time, "parent_prediction_id": None, "parent_annotation_id": None,
            "last_action": None, "skip_reason": None, "unique_id": str(uuid.uuid4()), "import_id": None,
            "draft_created_at": None, "created_at": now,
        }  # fmt: skip
    values.update(
        result=entry.result, was_cancelled=entry.was_cancelled, review_state=None,
        updated_by_id=user.id, last_action="updated", updated_at=now,
    )  # fmt: skip
    db.execute(insert(_A).values(**values))
    cancelled = bool(entry.was_cancelled)
    counters.annotations_changed(db, task.id, 0 if cancelled else 1, 1 if cancelled else 0)
    history.record_many(db, select(_A.c.id).where(_A.c.id == entry.annotation_id), user, history.RESTORED)
    detail = {"task": task.id, "from_history": entry.id}
    activity.record(
        db, user, "annotation.restored", "annotation", entry.annotation_id, detail, task.project_id
    )
    db.commit()


# ---- purging ------------------------------------------------------------------------------------


def purge(db: Session, now: datetime, days: int = DEFAULT_DAYS) -> int:
    """Drop the trash rows of deletions older than `days` (neither restored nor purged yet) and mark
    them purged; the caller commits. Returns how many deletions were purged."""
    begin_write(db)
    cutoff = now - timedelta(days=days)
    expired = select(_D.c.id).where(
        and_(_D.c.deleted_at < cutoff, _D.c.restored_at.is_(None), _D.c.purged_at.is_(None))
    )
    ids = list(db.scalars(expired))
    if not ids:
        return 0
    for shadow, _ in _SHADOW.values():
        db.execute(delete(shadow).where(shadow.c.deletion_id.in_(ids)))
    db.execute(update(_D).where(_D.c.id.in_(ids)).values(purged_at=now))
    return len(ids)
