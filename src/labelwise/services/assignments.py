"""Manual assignment of tasks to annotators (AN) and reviewers (RE), as Label Studio Enterprise.

An assignment asks one person to work on one task. The queue hands a user's AN assignments out
before anything else, and under manual distribution (`assignment_only`) nothing else. Assignees
must be members of the project in a fitting role (AN: annotator or above, RE: reviewer or above),
checked for all of them in two queries. Bulk assignment is one INSERT ... SELECT per user over the
data manager's selection (filters and `selectedItems`), duplicates left out by NOT EXISTS, so it
costs the same for ten tasks or a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, literal, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from labelwise import policies
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import ASSIGNMENT_TYPES, Project, ProjectMember, Task, TaskAssignment, User
from labelwise.services import activity, checks, events, filters
from labelwise.services.errors import Invalid

_CREATED = TaskAssignment.__table__.c.created_at.type
MIN_ROLE = {"AN": "annotator", "RE": "reviewer"}
MAX_USERS = 1000


def kind(value: Any, field: str = "type") -> str:
    if value not in ASSIGNMENT_TYPES:
        raise Invalid(f"{field} must be 'AN' (annotate) or 'RE' (review)", {field: ["AN or RE"]})
    return str(value)


def _user_ids(value: Any) -> list[int]:
    if not isinstance(value, list) or not value or len(value) > MAX_USERS:
        raise Invalid(f"users must be a list of 1 to {MAX_USERS} user ids", {"users": ["a list of user ids"]})
    if not all(checks.is_id(v) for v in value):
        raise Invalid("users must hold user ids only", {"users": ["a list of user ids"]})
    return sorted(set(value))


def check_assignees(db: Session, project: Project, user_ids: Sequence[int], type_: str) -> None:
    """Every user is active and has at least the type's role in the project; else 400 naming them."""
    need = policies.RANK[MIN_ROLE[type_]]
    people = {
        u.id: u for u in db.scalars(select(User).where(User.id.in_(user_ids), User.is_active.is_(True)))
    }
    rows = db.execute(
        select(ProjectMember.user_id, ProjectMember.role).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id.in_(user_ids)
        )
    )
    roles = {uid: role for uid, role in rows}
    bad: dict[str, list[str]] = {}
    for uid in user_ids:
        user = people.get(uid)
        org = policies.RANK.get(user.role, -1) if user is not None else -1
        rank = max(org if org >= policies.RANK["manager"] else -1, policies.RANK.get(roles.get(uid, ""), -1))
        if user is None:
            bad[str(uid)] = [f"no active user {uid}"]
        elif rank < need:
            bad[str(uid)] = [f"not a member of this project with the {MIN_ROLE[type_]} role or above"]
    if bad:
        first = next(iter(bad))
        raise Invalid(f"users: user {first} cannot be assigned ({type_}): {bad[first][0]}", {"users": bad})


def _selection(project: Project, body: dict[str, Any]) -> list[ColumnElement[bool]]:
    selected = body.get("selectedItems", body.get("selected_items"))
    if selected is None:
        raise Invalid(
            "selectedItems is required: {all: false, included: [...]} or {all: true, excluded: [...]}",
            {"selectedItems": ["required"]},
        )
    return [
        Task.project_id == project.id,
        *filters.conditions(body.get("filters"), "filters"),
        *filters.selection(selected, "selectedItems"),
    ]


def _changed(db: Session, stmt: Executable) -> int:
    """Rows a Core INSERT/DELETE touched (run on the connection: ORM results hide the row count)."""
    return max(int(db.connection().execute(stmt).rowcount), 0)


def _insert_for(
    db: Session, where: Iterable[ColumnElement[bool]], pid: int, uid: int, type_: str, actor: User
) -> int:
    """One INSERT ... SELECT: the selected tasks not yet assigned to this user with this type."""
    already = exists().where(
        TaskAssignment.task_id == Task.id, TaskAssignment.user_id == uid, TaskAssignment.type == type_
    )
    rows = select(
        literal(pid), Task.id, literal(uid), literal(type_), literal(actor.id), literal(utcnow(), _CREATED)
    ).where(*where, ~already)
    columns = ["project_id", "task_id", "user_id", "type", "assigned_by_id", "created_at"]
    stmt = insert(TaskAssignment).from_select(columns, rows)
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        # psycopg reports no row count for INSERT ... SELECT here; count what RETURNING gives, in SQL.
        added = stmt.returning(literal_column("1")).cte("added")
        return int(conn.execute(select(func.count()).select_from(added)).scalar() or 0)
    return _changed(db, stmt)


def bulk_assign(db: Session, project: Project, actor: User, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /api/projects/{id}/tasks/assignees`: assign users to a selection of tasks."""
    type_ = kind(body.get("type"))
    user_ids = _user_ids(body.get("users"))
    where = _selection(project, body)
    check_assignees(db, project, user_ids, type_)
    begin_write(db)
    count = sum(_insert_for(db, where, project.id, uid, type_, actor) for uid in user_ids)
    activity.record(
        db,
        actor,
        "task.assign",
        "project",
        project.id,
        {"type": type_, "users": user_ids, "count": count},
        project.id,
    )
    events.emit(db, "TASKS_ASSIGNED", project.id, lambda: {"type": type_, "users": user_ids, "count": count})
    db.commit()
    return {"assignments": count, "async": False}


def bulk_unassign(db: Session, project: Project, actor: User, body: dict[str, Any]) -> dict[str, Any]:
    """`DELETE /api/projects/{id}/tasks/assignees` (same body; `users` optional = everyone)."""
    type_ = kind(body.get("type"))
    user_ids = _user_ids(body["users"]) if body.get("users") is not None else None
    where = _selection(project, body)
    begin_write(db)
    chosen = select(Task.id).where(*where)
    stmt = delete(TaskAssignment).where(
        TaskAssignment.project_id == project.id,
        TaskAssignment.type == type_,
        TaskAssignment.task_id.in_(chosen),
    )
    if user_ids is not None:
        stmt = stmt.where(TaskAssignment.user_id.in_(user_ids))
    count = _changed(db, stmt)
    activity.record(
        db,
        actor,
        "task.unassign",
        "project",
        project.id,
        {"type": type_, "users": user_ids, "count": count},
        project.id,
    )
    db.commit()
    return {"unassigned": count}


def for_task(db: Session, task: Task) -> list[TaskAssignment]:
    q = select(TaskAssignment).where(TaskAssignment.task_id == task.id).order_by(TaskAssignment.id)
    return list(db.scalars(q))


def _of(db: Session, task: Task, type_: str, user_ids: Sequence[int]) -> list[TaskAssignment]:
    return list(
        db.scalars(
            select(TaskAssignment)
            .where(
                TaskAssignment.task_id == task.id,
                TaskAssignment.type == type_,
                TaskAssignment.user_id.in_(user_ids),
            )
            .order_by(TaskAssignment.id)
        )
    )


def assign(
    db: Session, project: Project, task: Task, actor: User, body: dict[str, Any], replace: bool = False
) -> list[TaskAssignment]:
    """POST (add) or PATCH (`replace`: the task's assignees of that type become exactly `users`)."""
    type_ = kind(body.get("type"))
    user_ids = _user_ids(body.get("users"))
    check_assignees(db, project, user_ids, type_)
    begin_write(db)
    removed = 0
    if replace:
        gone = delete(TaskAssignment).where(
            TaskAssignment.task_id == task.id,
            TaskAssignment.type == type_,
            TaskAssignment.user_id.not_in(user_ids),
        )
        removed = _changed(db, gone)
    where = [Task.id == task.id]
    added = sum(_insert_for(db, where, project.id, uid, type_, actor) for uid in user_ids)
    detail = {"type": type_, "users": user_ids, "count": added, "task": task.id}
    activity.record(db, actor, "task.assign", "task", task.id, detail, project.id)
    if removed:
        detail = {"type": type_, "count": removed, "task": task.id}
        activity.record(db, actor, "task.unassign", "task", task.id, detail, project.id)
    db.commit()
    return _of(db, task, type_, user_ids)


def unassign(
    db: Session, project: Project, task: Task, actor: User, type_: str | None, users: str | None
) -> int:
    """`DELETE .../tasks/{pk}/assignees?type=AN&users=1,2`: no type = every type, no users = everyone."""
    stmt = delete(TaskAssignment).where(TaskAssignment.task_id == task.id)
    if type_ is not None:
        stmt = stmt.where(TaskAssignment.type == kind(type_))
    if users:
        parts = users.split(",")
        if len(parts) > MAX_USERS or not all(p.strip().isdigit() and len(p.strip()) <= 10 for p in parts):
            raise Invalid("users must be comma-separated user ids", {"users": ["comma-separated user ids"]})
        stmt = stmt.where(TaskAssignment.user_id.in_([int(p) for p in parts]))
    begin_write(db)
    count = _changed(db, stmt)
    detail = {"type": type_, "users": users, "count": count, "task": task.id}
    activity.record(db, actor, "task.unassign", "task", task.id, detail, project.id)
    db.commit()
    return count


def by_task(db: Session, task_ids: Sequence[int], type_: str = "AN") -> dict[int, list[int]]:
    """The assignees (user ids) of a page of tasks, in one query: the data manager's column."""
    if not task_ids:
        return {}
    rows = db.execute(
        select(TaskAssignment.task_id, TaskAssignment.user_id)
        .where(TaskAssignment.task_id.in_(task_ids), TaskAssignment.type == type_)
        .order_by(TaskAssignment.task_id, TaskAssignment.id)
    )
    out: dict[int, list[int]] = {}
    for tid, uid in rows:
        out.setdefault(tid, []).append(uid)
    return out
