"""Annotations: validated against the config, stored with history, counted, audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.base import table, utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, AnnotationHistory, Draft, Project, Task, User
from labelwise.services import activity, checks, counters, projects, queue
from labelwise.services.errors import Invalid, NotFound


def get(db: Session, annotation_id: int) -> Annotation:
    ann = db.get(Annotation, annotation_id) if checks.is_id(annotation_id) else None
    if ann is None:
        raise NotFound(f"annotation {annotation_id} not found")
    return ann


def for_task(db: Session, task: Task) -> list[Annotation]:
    return list(db.scalars(select(Annotation).where(Annotation.task_id == task.id).order_by(Annotation.id)))


def _check(project: Project, task: Task, result: Any, cancelled: bool) -> list[dict[str, Any]]:
    if result is None:
        result = []
    if cancelled and result == []:
        return []
    try:
        labeling.validate_result(projects.schema(project), task.data, result)
    except labeling.InvalidResult as exc:
        raise Invalid(f"result: {exc}", {"result": [str(exc)]}) from exc
    if not result and not project.enable_empty_annotation:
        raise Invalid("result: empty annotations are disabled in this project", {"result": ["empty"]})
    return list(result)


def _number_or_none(value: Any, field: str) -> float | None:
    return checks.number(value, field)


_INSERT_HISTORY = insert(table(AnnotationHistory))
_DRAFTS = table(Draft).c
_DELETE_DRAFTS = delete(table(Draft)).where(
    _DRAFTS.task_id == bindparam("tid"), _DRAFTS.user_id == bindparam("uid")
)


def _history(db: Session, ann: Annotation, user: User | None, action: str) -> None:
    db.connection().execute(
        _INSERT_HISTORY,
        {
            "annotation_id": ann.id,
            "task_id": ann.task_id,
            "project_id": ann.project_id,
            "user_id": user.id if user else None,
            "action": action,
            "result": ann.result,
            "was_cancelled": ann.was_cancelled,
            "ground_truth": ann.ground_truth,
            "lead_time": ann.lead_time,
            "created_at": utcnow(),
        },
    )


_INSERT = insert(table(Annotation)).returning(table(Annotation).c.id)


def create(db: Session, task: Task, user: User, body: dict[str, Any]) -> Annotation:
    """The hottest write path: Core statements built once, run on the session's connection,
    with no ORM flush; the returned object is transient and only used to answer the request."""
    begin_write(db)
    project = projects.get(db, task.project_id)
    cancelled = checks.flag(body, "was_cancelled")
    result = _check(project, task, body.get("result"), cancelled)
    now = utcnow()
    values = {
        "task_id": task.id,
        "project_id": task.project_id,
        "completed_by_id": user.id,
        "updated_by_id": None,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": checks.flag(body, "ground_truth"),
        "lead_time": _number_or_none(body.get("lead_time"), "lead_time"),
        "parent_prediction_id": checks.optional_id(body.get("parent_prediction"), "parent_prediction"),
        "parent_annotation_id": checks.optional_id(body.get("parent_annotation"), "parent_annotation"),
        "last_action": "skipped" if cancelled else "submitted",
        "review_state": None,
        "unique_id": str(uuid.uuid4()),
        "import_id": None,
        "draft_created_at": None,
        "created_at": now,
        "updated_at": now,
    }
    conn = db.connection()
    ann = Annotation(id=conn.execute(_INSERT, values).scalar_one(), **values)
    _history(db, ann, user, "created")
    counters.annotations_changed(db, task.id, 0 if cancelled else 1, 1 if cancelled else 0)
    queue.release(db, task.id, user.id)
    conn.execute(_DELETE_DRAFTS, {"tid": task.id, "uid": user.id})
    activity.record(db, user, "annotation.created", "annotation", ann.id, {"task": task.id}, task.project_id)
    db.commit()
    return ann


def update(db: Session, ann: Annotation, user: User, body: dict[str, Any]) -> Annotation:
    begin_write(db)
    task = db.get(Task, ann.task_id)
    assert task is not None
    project = projects.get(db, task.project_id)
    was = ann.was_cancelled
    cancelled = checks.flag(body, "was_cancelled", ann.was_cancelled)
    if "result" in body or cancelled != was:
        ann.result = _check(project, task, body.get("result", ann.result), cancelled)
    ann.was_cancelled = cancelled
    if "ground_truth" in body:
        ann.ground_truth = checks.flag(body, "ground_truth", ann.ground_truth)
    if "lead_time" in body:
        ann.lead_time = _number_or_none(body["lead_time"], "lead_time")
    ann.updated_by_id = user.id
    ann.last_action = "updated"
    ann.updated_at = utcnow()
    db.flush()
    _history(db, ann, user, "updated")
    if cancelled != was:
        d = -1 if cancelled else 1
        counters.annotations_changed(db, task.id, d, -d)
    activity.record(db, user, "annotation.updated", "annotation", ann.id, {"task": task.id}, task.project_id)
    db.commit()
    return ann


def delete_one(db: Session, ann: Annotation, user: User) -> None:
    begin_write(db)
    _history(db, ann, user, "deleted")
    counters.annotations_changed(
        db, ann.task_id, 0 if ann.was_cancelled else -1, -1 if ann.was_cancelled else 0
    )
    activity.record(
        db, user, "annotation.deleted", "annotation", ann.id, {"task": ann.task_id}, ann.project_id
    )
    db.execute(delete(Annotation).where(Annotation.id == ann.id))
    db.commit()


def history(db: Session, ann_id: int) -> list[AnnotationHistory]:
    q = (
        select(AnnotationHistory)
        .where(AnnotationHistory.annotation_id == ann_id)
        .order_by(AnnotationHistory.id)
    )
    return list(db.scalars(q))
