"""Label Studio's data-manager views (`/api/dm/views`): the tabs of a project's data manager.

Paths and shapes are the ones `label-studio-sdk`'s `views` client calls. Reading needs the right to
see the project's tasks; changing tabs is a manager's (as in Label Studio, where annotators do not
shape the data manager).
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import User
from labelwise.services import checks, projects, views
from labelwise.services.errors import Invalid

router = Router(tags=["views"])


def _project_id(value: Any) -> int:
    if value is None:
        raise Invalid("the project parameter is required", {"project": ["required"]})
    if isinstance(value, str):
        value = int(value) if value.isdigit() else value
    return checks.as_id(value, "project")


@router.get("/api/dm/views")
def list_views(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    proj = projects.get(db, _project_id(project))
    policies.require(user, "task.list", proj)
    return [views.out(v) for v in views.list_for(db, proj)]


@router.post("/api/dm/views", status_code=201)
def create_view(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    data = json_object(body)
    proj = projects.get(db, _project_id(data.get("project")))
    policies.require(user, "task.change", proj)
    return views.out(views.create(db, proj, user, data.get("data")))


# Declared before `/api/dm/views/{view_id}` so these two names are never read as ids.
@router.delete("/api/dm/views/reset", status_code=204)
def reset_views(user: CurrentUser, db: SessionDep, project: int | None = None) -> Response:
    proj = projects.get(db, _project_id(project))
    policies.require(user, "task.change", proj)
    views.reset(db, proj, user)
    return Response(status_code=204)


@router.post("/api/dm/views/order")
def order_views(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    data = json_object(body)
    proj = projects.get(db, _project_id(data.get("project")))
    policies.require(user, "task.change", proj)
    views.reorder(db, proj, user, data.get("ids"))
    return {"ids": [v.id for v in views.list_for(db, proj)]}


@router.get("/api/dm/views/{view_id}")
def get_view(view_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    view = views.get(db, view_id)
    policies.require(user, "task.list", projects.get(db, view.project_id))
    return views.out(view)


def _update(view_id: int, body: Any, user: User, db: Session) -> dict[str, Any]:
    """PATCH and PUT alike: Label Studio's front end and SDK both send the whole `data`."""
    data = json_object(body)
    view = views.get(db, view_id)
    policies.require(user, "task.change", projects.get(db, view.project_id))
    if "project" in data and data["project"] is not None and _project_id(data["project"]) != view.project_id:
        raise Invalid("a view cannot move to another project", {"project": ["differs from the view's"]})
    if "data" not in data:
        return views.out(view)
    return views.out(views.update(db, view, user, data["data"]))


@router.patch("/api/dm/views/{view_id}")
def patch_view(view_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return _update(view_id, body, user, db)


@router.put("/api/dm/views/{view_id}")
def put_view(view_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return _update(view_id, body, user, db)


@router.delete("/api/dm/views/{view_id}", status_code=204)
def delete_view(view_id: int, user: CurrentUser, db: SessionDep) -> Response:
    view = views.get(db, view_id)
    policies.require(user, "task.change", projects.get(db, view.project_id))
    views.remove(db, view, user)
    return Response(status_code=204)
