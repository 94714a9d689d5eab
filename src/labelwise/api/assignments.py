"""Manual task assignment, at Label Studio Enterprise's `/api/projects/{id}/tasks/.../assignees` paths."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import Project, Task, TaskAssignment, User
from labelwise.services import assignments, projects, tasks
from labelwise.services.errors import NotFound

router = Router(tags=["assignments"])


def _out(a: TaskAssignment) -> dict[str, Any]:
    """Label Studio's TaskAssignment."""
    return {"id": a.id, "task": a.task_id, "assignee": a.user_id, "type": a.type, "created_at": a.created_at}


def _task(db: Session, project: Project, task_pk: int) -> Task:
    task = tasks.get(db, task_pk)
    if task.project_id != project.id:
        raise NotFound(f"task {task_pk} not found in project {project.id}")
    return task


def _manage(db: Session, user: User, project_id: int) -> Project:
    project = projects.get(db, project_id)
    policies.require(user, "task.assign", project)
    return project


@router.post("/api/projects/{project_id}/tasks/assignees")
def bulk_assign(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`{"type": "AN"|"RE", "users": [ids], "selectedItems": {...}, "filters"?: {...}}` → `{"assignments": n}`."""
    project = _manage(db, user, project_id)
    return assignments.bulk_assign(db, project, user, json_object(body))


@router.delete("/api/projects/{project_id}/tasks/assignees")
def bulk_unassign(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """The same body as the bulk assignment; without `users` everyone of that type is unassigned."""
    project = _manage(db, user, project_id)
    return assignments.bulk_unassign(db, project, user, json_object(body))


@router.get("/api/projects/{project_id}/tasks/{task_pk}/assignees")
def list_assignees(project_id: int, task_pk: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    project = _manage(db, user, project_id)
    return [_out(a) for a in assignments.for_task(db, _task(db, project, task_pk))]


def _answer(rows: list[TaskAssignment]) -> dict[str, Any]:
    """The SDK reads one TaskAssignment; the full list of the named users' assignments rides along."""
    return {**_out(rows[0]), "assignments": [_out(a) for a in rows]}


@router.post("/api/projects/{project_id}/tasks/{task_pk}/assignees", status_code=201)
def assign(
    project_id: int, task_pk: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    project = _manage(db, user, project_id)
    task = _task(db, project, task_pk)
    return _answer(assignments.assign(db, project, task, user, json_object(body)))


@router.patch("/api/projects/{project_id}/tasks/{task_pk}/assignees")
def reassign(
    project_id: int, task_pk: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    """The task's assignees of that type become exactly `users`."""
    project = _manage(db, user, project_id)
    task = _task(db, project, task_pk)
    return _answer(assignments.assign(db, project, task, user, json_object(body), replace=True))


@router.delete("/api/projects/{project_id}/tasks/{task_pk}/assignees", status_code=204)
def unassign(project_id: int, task_pk: int, request: Request, user: CurrentUser, db: SessionDep) -> Response:
    """`?type=AN|RE` (none: every type) and `?users=1,2` (none: everyone)."""
    project = _manage(db, user, project_id)
    task = _task(db, project, task_pk)
    q = request.query_params
    assignments.unassign(db, project, task, user, q.get("type"), q.get("users"))
    return Response(status_code=204)
