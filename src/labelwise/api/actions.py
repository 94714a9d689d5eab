"""Label Studio's data-manager actions: `GET /api/dm/actions?project=` lists them,
`POST /api/dm/actions?id=delete_tasks&project=[&view=]` with `{selectedItems, filters?}` runs one."""

from __future__ import annotations

from typing import Any

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.services import actions, filters, projects, views
from labelwise.services.errors import Invalid

router = Router(tags=["actions"])


@router.get("/api/dm/actions")
def list_actions(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    if project is not None:
        policies.require(user, "task.list", projects.get(db, project))
    return actions.listing()


@router.post("/api/dm/actions")
def run_action(
    body: JsonBody,
    user: CurrentUser,
    db: SessionDep,
    id: str | None = None,
    project: int | None = None,
    view: int | None = None,
) -> dict[str, Any]:
    if project is None:
        raise Invalid("the project query parameter is required", {"project": ["required"]})
    proj = projects.get(db, project)
    action = actions.get(id)
    policies.require(user, action.permission, proj)
    view_query = None
    if view is not None:
        saved = views.get(db, view)
        if saved.project_id != proj.id:
            raise Invalid(f"view {view} is not a view of project {proj.id}", {"view": ["other project"]})
        view_query = filters.view_query(saved.data or {})
    data = json_object(body)
    conditions = actions.selection(data, view_query)
    return actions.run(db, proj, user, action, conditions, data)
