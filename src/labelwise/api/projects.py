"""Projects, their config validation, and the next task to label."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api import lean
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.limits import MAX_PAGE, MAX_PAGE_SIZE
from labelwise.api.router import Router
from labelwise.api.serializers import parsed_label_config
from labelwise.api.serializers import project as project_out
from labelwise.db.models import Project, User
from labelwise.services import access, members, projects, queue, tasks
from labelwise.services.errors import Invalid, NotFound

router = Router(tags=["projects"])


def _out(db: Session, p: Project) -> dict[str, Any]:
    creator = db.get(User, p.created_by_id) if p.created_by_id else None
    return project_out(p, creator)


def _page_url(request: Request, page: int) -> str:
    return str(request.url.include_query_params(page=page))


@router.get("/api/projects")
def list_projects(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    ordering: str = "-id",
) -> dict[str, Any]:
    policies.require(user, "project.view")
    if page < 1 or page_size < 1:
        raise Invalid("page and page_size must be at least 1", {"page_size": ["out of range"]})
    only = None if policies.sees_all_projects(user) else members.project_ids(db, user)
    total, rows = projects.page(db, page, page_size, ordering, only)
    if page > 1 and not rows:
        raise NotFound("Invalid page.")
    creators = {u.id: u for u in db.query(User).filter(User.id.in_({p.created_by_id for p in rows}))}
    return {
        "count": total,
        "next": _page_url(request, page + 1) if page * page_size < total else None,
        "previous": _page_url(request, page - 1) if page > 1 else None,
        "results": [project_out(p, creators.get(p.created_by_id or 0)) for p in rows],
    }


@router.post("/api/projects", status_code=201)
def create_project(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    policies.require(user, "project.create")
    return _out(db, projects.create(db, user, json_object(body)))


@router.post("/api/projects/validate")
def validate_any(body: JsonBody, user: CurrentUser) -> dict[str, Any]:
    data = json_object(body)
    config = data.get("label_config")
    if not isinstance(config, str):
        raise Invalid("label_config is required", {"label_config": ["required"]})
    schema = projects.validate_config(config)
    return {"label_config": config, "parsed_label_config": parsed_label_config(schema)}


@router.get("/api/projects/{project_id}")
def get_project(project_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "project.view", project)
    return _out(db, project)


@router.patch("/api/projects/{project_id}")
def update_project(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "project.change", project)
    return _out(db, projects.update(db, project, user, json_object(body)))


@router.delete("/api/projects/{project_id}", status_code=204)
def delete_project(project_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> Response:
    project = projects.get(db, project_id)
    policies.require(user, "project.delete", project)
    projects.delete(db, project, user, settings)
    return Response(status_code=204)


@router.post("/api/projects/{project_id}/validate")
def validate_for_project(
    project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "project.view", project)
    return validate_any(body, user)


@router.get("/api/projects/{project_id}/next")
@lean.hot
def next_task(
    project_id: int, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """The next task, leased; `?exclude=3,4` skips those ids this time (the labeling screen's prefetch)."""
    project = projects.get(db, project_id)
    exclude = queue.exclusion(request.query_params.get("exclude"))
    seen = queue.look(db, project, user, exclude)  # the caller's own rows, with their membership role
    policies.require(user, "annotate", project, db)
    task_id = queue.next_task(db, project, user, settings.lock_seconds, exclude, seen)
    if task_id is None:
        raise NotFound("there are no tasks left to label in this project")
    return access.trim(db, user, project, tasks.one_with_related(db, task_id))


@router.delete("/api/projects/{project_id}/tasks", status_code=204)
def delete_all_tasks(project_id: int, user: CurrentUser, db: SessionDep) -> Response:
    project = projects.get(db, project_id)
    policies.require(user, "task.delete", project)
    tasks.delete_all(db, project, user)
    return Response(status_code=204)
