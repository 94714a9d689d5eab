"""Annotation history: every state an annotation passed through, who made it and when; restoring one.

Rows are written by whoever changes an annotation (services/annotations.py for submit, skip, update,
delete; imports for `imported`; reviews for fixes) and outlive the annotation, so the history of a
deleted annotation can still be read and an old state restored. Bulk deletes and restores write their
rows set-based (`INSERT … SELECT`), never one statement per annotation.

Who may read: managers and reviewers of the project read any annotation's history; an annotator reads
the history of their own annotation only when the project shows annotation history. Changing it
(restore, delete) is `annotation.history` (managers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.db.base import table, utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, AnnotationHistory, Project, Task, User
from labelwise.services import access, activity, checks, projects
from labelwise.services.errors import Forbidden, Invalid, NotFound

# Label Studio's action names (its `ActionEnum`), plus ours: deleted, restored.
SUBMITTED, SKIPPED, UPDATED, DELETED, RESTORED = "submitted", "skipped", "updated", "deleted", "restored"

_H = table(AnnotationHistory)
_A = table(Annotation)


@dataclass(frozen=True)
class Subject:
    """The annotation a history belongs to, whether it still exists or not."""

    annotation_id: int
    project_id: int
    task_id: int
    author_id: int | None
    live: bool


def subject(db: Session, annotation_id: Any) -> Subject:
    """The annotation (live), else what its history rows say of it (deleted): project, task, author."""
    if not checks.is_id(annotation_id):
        raise NotFound(f"annotation {annotation_id} not found")
    ann = db.get(Annotation, annotation_id)
    if ann is not None:
        return Subject(ann.id, ann.project_id, ann.task_id, ann.completed_by_id, True)
    first = db.execute(
        select(_H.c.project_id, _H.c.task_id, _H.c.user_id)
        .where(_H.c.annotation_id == annotation_id)
        .order_by(_H.c.id)
        .limit(1)
    ).first()
    if first is None:
        raise NotFound(f"annotation {annotation_id} not found")
    return Subject(annotation_id, first.project_id, first.task_id, first.user_id, False)


def require_readable(db: Session, user: User, who: Subject) -> Project:
    """Managers read any history, reviewers the histories of the annotations they review; an annotator
    only their own annotation's, and only when the project shows history. An annotation an annotator
    may not see at all (another's task, a blind project) is a 404, as everywhere."""
    project = projects.get(db, who.project_id)
    policies.require(user, "project.view", project, db)
    if policies.allowed(user, "review", project, db):
        return project
    if not access.annotation_visible(db, user, project, who.author_id, who.task_id):
        raise NotFound(f"annotation {who.annotation_id} not found")
    if who.author_id == user.id and project.show_annotation_history:
        return project
    raise Forbidden("you may only see the history of your own annotations, when the project shows it")


def for_annotation(db: Session, annotation_id: int, newest_first: bool = False) -> list[AnnotationHistory]:
    order = _H.c.id.desc() if newest_first else _H.c.id
    q = select(AnnotationHistory).where(AnnotationHistory.annotation_id == annotation_id).order_by(order)
    return list(db.scalars(q))


def get(db: Session, entry_id: Any) -> AnnotationHistory:
    entry = db.get(AnnotationHistory, entry_id) if checks.is_id(entry_id) else None
    if entry is None:
        raise NotFound(f"annotation history item {entry_id} not found")
    return entry


@dataclass(frozen=True)
class Filters:
    """Narrowing of a project's history (each optional)."""

    annotation: int | None = None
    task: int | None = None
    user: int | None = None
    created_at_from: datetime | None = None
    created_at_to: datetime | None = None


def project_page(
    db: Session, project: Project, f: Filters, page: int, page_size: int
) -> tuple[int, list[AnnotationHistory]]:
    """(count, the page's rows), newest first, on the history's project index."""
    where = [_H.c.project_id == project.id]
    if f.annotation is not None:
        where.append(_H.c.annotation_id == f.annotation)
    if f.task is not None:
        where.append(_H.c.task_id == f.task)
    if f.user is not None:
        where.append(_H.c.user_id == f.user)
    if f.created_at_from is not None:
        where.append(_H.c.created_at >= f.created_at_from)
    if f.created_at_to is not None:
        where.append(_H.c.created_at <= f.created_at_to)
    total = int(db.execute(select(func.count()).select_from(_H).where(*where)).scalar_one())
    q = (
        select(AnnotationHistory)
        .where(*where)
        .order_by(_H.c.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return total, list(db.scalars(q))


def scope(db: Session, annotation: Any, task: Any, project: Any) -> tuple[str, int, int]:
    """Which rows a DELETE names (exactly one of annotation, task, project) → (column, id, project id)."""
    given = {
        k: v for k, v in (("annotation", annotation), ("task", task), ("project", project)) if v is not None
    }
    if len(given) != 1:
        raise Invalid(
            "name exactly one of ?annotation=, ?task= or ?project=",
            {"annotation": ["exactly one of annotation, task, project"]},
        )
    [(name, value)] = given.items()
    if not checks.is_id(value):
        raise Invalid(f"{name} must be an integer id", {name: ["expected an integer id"]})
    if name == "project":
        return "project_id", value, projects.get(db, value).id
    column = f"{name}_id"
    row = db.execute(select(_H.c.project_id).where(_H.c[column] == value).limit(1)).first()
    if row is None:
        live = db.get(Annotation, value) if name == "annotation" else db.get(Task, value)
        if live is None:
            raise NotFound(f"{name} {value} not found")
        return column, value, live.project_id
    return column, value, int(row.project_id)


def remove(db: Session, user: User, column: str, value: int, project_id: int) -> int:
    """Delete the history rows of one annotation, task or project (Label Studio's DELETE)."""
    begin_write(db)
    n = int(db.execute(delete(_H).where(_H.c[column] == value)).rowcount or 0)  # type: ignore[attr-defined]
    activity.record(
        db, user, "annotation_history.deleted", column.removesuffix("_id"), value, {"removed": n}, project_id
    )
    db.commit()
    return n


_COPIED = ("task_id", "project_id", "result", "was_cancelled", "ground_truth", "lead_time")


def record_many(db: Session, annotation_ids: Select[Any], user: User | None, action: str) -> None:
    """One history row per annotation the select names, in one `INSERT … SELECT` (bulk delete, restore)."""
    cols = [_A.c[c] for c in _COPIED]
    source = select(
        _A.c.id,
        *cols,
        literal(user.id if user else None, type_=_H.c.user_id.type),
        literal(action, type_=_H.c.action.type),
        literal(utcnow(), type_=_H.c.created_at.type),
    ).where(_A.c.id.in_(annotation_ids))
    names = ["annotation_id", *_COPIED, "user_id", "action", "created_at"]
    db.execute(insert(_H).from_select(names, source))


def restore(db: Session, entry: AnnotationHistory, user: User) -> dict[str, Any]:
    """Give the annotation this entry's result again (a new `restored` row); a deleted annotation is
    recreated with its original id (from the trash when it is still there, else from its history)."""
    from labelwise.services import annotations, trash

    ann = db.get(Annotation, entry.annotation_id)
    if ann is not None:
        updated = annotations.update(db, ann, user, {"result": entry.result}, action=RESTORED)
        return {"annotation": updated.id, "recreated": False}
    trash.recreate_annotation(db, entry, user)
    return {"annotation": entry.annotation_id, "recreated": True}


def entry_json(h: AnnotationHistory) -> dict[str, Any]:
    """Label Studio Enterprise's `AnnotationHistory` (fields it has and Labelwise does not are null),
    with the older `task`/`project` keys kept."""
    return {
        "id": h.id,
        "annotation_id": h.annotation_id,
        "annotation": h.annotation_id,
        "task_id": h.task_id,
        "task": h.task_id,
        "project_id": h.project_id,
        "project": h.project_id,
        "organization_id": None,
        "created_by": h.user_id,
        "created_at": h.created_at,
        "action": h.action,
        "result": h.result,
        "was_cancelled": h.was_cancelled,
        "ground_truth": h.ground_truth,
        "lead_time": h.lead_time,
        "started_at": None,
        "comment": None,
        "comment_id": None,
        "draft_id": None,
        "review_id": None,
    }
