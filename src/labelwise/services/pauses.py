"""Pausing an annotator in one project, at Label Studio Enterprise's `/members/{user}/pauses` paths.

A paused annotator gets 403 with the reason from `next` and may not submit annotations in the
project (`queue.refuse_if_paused`). Deleting a pause resumes them: the row stays, with `deleted_at`
and `deleted_by` (Label Studio's soft delete), so the history of pauses is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Pause, Project, User
from labelwise.services import activity, checks, events
from labelwise.services.errors import Invalid, NotFound

REASONS = ("MANUAL", "BEHAVIOR_BASED", "ANNOTATOR_EVALUATION", "ANNOTATION_LIMIT", "CUSTOM_SCRIPT")
MAX_VERBOSE = 2000
ORDERINGS = {"id": Pause.id, "created_at": Pause.created_at, "updated_at": Pause.updated_at}


def _member(db: Session, user_id: int) -> User:
    user = db.get(User, user_id) if checks.is_id(user_id) else None
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def _fields(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "reason" in body or not partial:
        reason = body.get("reason", "MANUAL")
        if reason not in REASONS:
            raise Invalid(
                f"reason must be one of {', '.join(REASONS)}", {"reason": [f"one of {', '.join(REASONS)}"]}
            )
        out["reason"] = reason
    if "verbose_reason" in body:
        value = body["verbose_reason"]
        out["verbose_reason"] = "" if value is None else checks.text(value, "verbose_reason", MAX_VERBOSE)
    return out


def listing(
    db: Session, project: Project, user_id: int, include_deleted: bool = False, ordering: str | None = None
) -> list[Pause]:
    _member(db, user_id)
    key = (ordering or "id").removeprefix("-")
    column = ORDERINGS.get(key)
    if column is None:
        raise Invalid(f"ordering must be one of {', '.join(ORDERINGS)}", {"ordering": ["unknown field"]})
    q = select(Pause).where(Pause.project_id == project.id, Pause.user_id == user_id)
    if not include_deleted:
        q = q.where(Pause.deleted_at.is_(None))
    order = column.desc() if (ordering or "").startswith("-") else column.asc()
    return list(db.scalars(q.order_by(order, Pause.id)))


def get(db: Session, project: Project, user_id: int, pause_id: int) -> Pause:
    pause = db.get(Pause, pause_id) if checks.is_id(pause_id) else None
    if pause is None or pause.project_id != project.id or pause.user_id != user_id:
        raise NotFound(f"pause {pause_id} not found")
    return pause


def create(db: Session, project: Project, actor: User, user_id: int, body: dict[str, Any]) -> Pause:
    user = _member(db, user_id)
    values = _fields(body, partial=False)
    begin_write(db)
    now = utcnow()
    pause = Pause(
        project_id=project.id,
        user_id=user.id,
        paused_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **values,
    )
    db.add(pause)
    db.flush()
    activity.record(db, actor, "member.pause", "user", user.id, {"pause": pause.id, **values}, project.id)
    events.emit(db, "MEMBER_PAUSED", project.id, lambda: {"user": user.id, "reason": values["reason"]})
    db.commit()
    return pause


def update(db: Session, pause: Pause, actor: User, body: dict[str, Any]) -> Pause:
    values = _fields(body, partial=True)
    begin_write(db)
    for key, value in values.items():
        setattr(pause, key, value)
    pause.updated_at = utcnow()
    activity.record(
        db,
        actor,
        "member.pause_change",
        "user",
        pause.user_id,
        {"pause": pause.id, **values},
        pause.project_id,
    )
    db.commit()
    return pause


def resume(db: Session, pause: Pause, actor: User) -> None:
    """Soft delete: the pause ends, its row stays."""
    if pause.deleted_at is not None:
        return
    begin_write(db)
    pause.deleted_at = utcnow()
    pause.deleted_by_id = actor.id
    activity.record(db, actor, "member.resume", "user", pause.user_id, {"pause": pause.id}, pause.project_id)
    db.commit()


def active_in(db: Session, project: Project) -> dict[int, Pause]:
    """Each paused member's current pause, in one query (the members page)."""
    rows = db.scalars(
        select(Pause).where(Pause.project_id == project.id, Pause.deleted_at.is_(None)).order_by(Pause.id)
    )
    return {p.user_id: p for p in rows}


def pause_automatically(db: Session, project_id: int, user_id: int, reason: str, verbose: str) -> bool:
    """Pause from a rule (gold accuracy), inside the caller's transaction; False when already paused.
    The activity entry has no actor (the system did it) and the manager hears it as `MEMBER_PAUSED`."""
    active = db.scalar(
        select(Pause.id).where(
            Pause.project_id == project_id, Pause.user_id == user_id, Pause.deleted_at.is_(None)
        )
    )
    if active is not None:
        return False
    now = utcnow()
    pause = Pause(
        project_id=project_id,
        user_id=user_id,
        paused_by_id=None,
        reason=reason,
        verbose_reason=verbose,
        created_at=now,
        updated_at=now,
    )
    db.add(pause)
    db.flush()
    detail = {"pause": pause.id, "reason": reason, "verbose_reason": verbose, "automatic": True}
    activity.record(db, None, "member.pause", "user", user_id, detail, project_id)
    events.emit(
        db,
        "MEMBER_PAUSED",
        project_id,
        lambda: {"user": user_id, "reason": reason, "verbose_reason": verbose},
    )
    return True
