"""What an annotator may see inside a project they belong to.

Reviewers and above see every task of their projects. An annotator sees only the tasks that are
theirs to label: handed to them by the queue (a lease, even an expired one), assigned to them, or
already annotated, skipped or drafted by them. Asking for any other task id is a 404, as if it did
not exist, so ids cannot be probed. In a blind project (the default when overlap is above 1) an
annotator sees only their own annotations of a task, so one annotator's answer cannot steer another's.
In no project does an annotator see someone else's ground-truth annotation: a gold task's answer key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from labelwise import policies
from labelwise.db.base import table
from labelwise.db.models import Annotation, Draft, Project, TaskAssignment, TaskLock, User
from labelwise.db.prepared import Prepared
from labelwise.services.errors import NotFound

_TID: BindParameter[int] = bindparam("tid")
_UID: BindParameter[int] = bindparam("uid")


def _mine(model: type, user_column: str) -> Any:
    c = table(model).c
    return exists().where(c.task_id == _TID, c[user_column] == _UID)


_THEIRS = Prepared(
    select(
        or_(
            _mine(TaskLock, "user_id"),
            _mine(Annotation, "completed_by_id"),
            _mine(TaskAssignment, "user_id"),
            _mine(Draft, "user_id"),
        )
    )
)


def sees_every_task(user: User, project: Project, db: Session) -> bool:
    return policies.allowed(user, "task.list", project, db)


def task_visible(db: Session, user: User, project: Project, task_id: int) -> bool:
    if sees_every_task(user, project, db):
        return True
    rows = _THEIRS.run(db, {"tid": task_id, "uid": user.id})
    return bool(rows and rows[0][0])


def require_task(db: Session, user: User, project: Project, task_id: int) -> None:
    """The project-level check (`task.view`) and then, for annotators, this task in particular."""
    policies.require(user, "task.view", project, db)
    if not task_visible(db, user, project, task_id):
        raise NotFound(f"task {task_id} not found")


def own_only(db: Session, user: User, project: Project) -> bool:
    """Whether the user must be shown only their own annotations in this project."""
    return not policies.sees_others_annotations(user, project, db)


def sees_ground_truth(db: Session, user: User, project: Project) -> bool:
    """Reviewers and above; never annotators (gold tasks would stop measuring anything)."""
    return policies.allowed(user, "annotation.view_others", project, db)


def annotation_visible(
    db: Session,
    user: User,
    project: Project,
    completed_by_id: int | None,
    task_id: int,
    ground_truth: bool = False,
) -> bool:
    """Their own always; another's only when the project is not blind and the task is one they see,
    and never another's ground truth to an annotator."""
    if completed_by_id == user.id:
        return True
    if ground_truth and not sees_ground_truth(db, user, project):
        return False
    return not own_only(db, user, project) and task_visible(db, user, project, task_id)


def trim(db: Session, user: User, project: Project, task_json: dict[str, Any]) -> dict[str, Any]:
    """A task's Label Studio JSON with the annotations the user may not see taken out."""
    if "annotations" not in task_json:
        return task_json
    if own_only(db, user, project):
        task_json["annotations"] = [a for a in task_json["annotations"] if _author(a) == user.id]
    elif not sees_ground_truth(db, user, project):
        task_json["annotations"] = [
            a for a in task_json["annotations"] if not a.get("ground_truth") or _author(a) == user.id
        ]
    return task_json


def _author(annotation: dict[str, Any]) -> int | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("id")
    return who if isinstance(who, int) else None
