"""Drafts: an annotator's unsaved work on one task, kept so a reload or a closed tab loses nothing.

A draft belongs to its user alone: nobody else reads, changes or deletes it (another user's draft is
a 404, as if it did not exist, so ids reveal nothing). Drafts are work in progress, so their result is
not validated against the config (a required choice may still be missing); it only has to be a list
of result objects. A user keeps at most one draft per task and annotation: saving again replaces it,
which makes the labeling screen's autosave idempotent even when two saves cross on the wire.
Submitting an annotation drops the user's drafts of that task (`services.annotations`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, Draft, Task, User
from labelwise.services import checks
from labelwise.services.errors import Invalid, NotFound

MAX_RESULT_ITEMS = 10_000


def get(db: Session, draft_id: int, user: User) -> Draft:
    draft = db.get(Draft, draft_id) if checks.is_id(draft_id) else None
    if draft is None or draft.user_id != user.id:
        raise NotFound(f"draft {draft_id} not found")
    return draft


def for_task(db: Session, task_id: int, user: User) -> list[Draft]:
    """The user's drafts of one task, newest first (one for new work, one per annotation being edited)."""
    q = (
        select(Draft)
        .where(Draft.task_id == task_id, Draft.user_id == user.id)
        .order_by(Draft.updated_at.desc(), Draft.id.desc())
    )
    return list(db.scalars(q))


def _result(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Invalid("result must be a list of result objects", {"result": ["expected a list of objects"]})
    if len(value) > MAX_RESULT_ITEMS:
        raise Invalid(f"result has more than {MAX_RESULT_ITEMS} items", {"result": ["too many items"]})
    return value


def _lead_time(value: Any) -> float | None:
    number = checks.number(value, "lead_time")
    if number is not None and number < 0:
        raise Invalid("lead_time must not be negative", {"lead_time": ["negative"]})
    return number


def _annotation_id(db: Session, task: Task, body: dict[str, Any]) -> int | None:
    ann_id = checks.optional_id(body.get("annotation"), "annotation")
    if ann_id is None:
        return None
    ann = db.get(Annotation, ann_id)
    if ann is None or ann.task_id != task.id:
        raise Invalid(
            f"annotation {ann_id} is not an annotation of task {task.id}", {"annotation": ["unknown"]}
        )
    return ann_id


def save(db: Session, task: Task, user: User, body: dict[str, Any]) -> Draft:
    """Create the user's draft for the task (and annotation), or replace the one they have."""
    result = _result(body.get("result"))
    lead_time = _lead_time(body.get("lead_time"))
    begin_write(db)
    ann_id = _annotation_id(db, task, body)
    existing = db.scalars(
        select(Draft)
        .where(Draft.task_id == task.id, Draft.user_id == user.id, Draft.annotation_id.is_(None)
               if ann_id is None else Draft.annotation_id == ann_id)
        .order_by(Draft.id)
    ).all()  # fmt: skip
    draft = existing[0] if existing else Draft(task_id=task.id, user_id=user.id, annotation_id=ann_id)
    for extra in existing[1:]:
        db.delete(extra)
    draft.result = result
    draft.lead_time = lead_time
    draft.updated_at = utcnow()
    if not existing:
        db.add(draft)
    db.commit()
    return draft


def update(db: Session, draft: Draft, body: dict[str, Any]) -> Draft:
    result = _result(body["result"]) if "result" in body else draft.result
    lead_time = _lead_time(body["lead_time"]) if "lead_time" in body else draft.lead_time
    begin_write(db)
    draft.result = result
    draft.lead_time = lead_time
    draft.updated_at = utcnow()
    db.commit()
    return draft


def delete(db: Session, draft: Draft) -> None:
    begin_write(db)
    db.delete(draft)
    db.commit()


def as_json(draft: Draft) -> dict[str, Any]:
    """Label Studio's draft shape (`AnnotationDraftSerializer`'s fields)."""
    return {
        "id": draft.id,
        "result": draft.result,
        "lead_time": draft.lead_time,
        "was_postponed": False,
        "import_id": None,
        "task": draft.task_id,
        "annotation": draft.annotation_id,
        "user": draft.user_id,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }
