"""Tasks: paged lists in Label Studio's shape, one task, edits and deletion."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.limits import MAX_PAGE, MAX_PAGE_SIZE
from labelwise.api.router import Router
from labelwise.io import ls_json
from labelwise.services import access, assignments, checks, consensus, filters, projects, tasks, views
from labelwise.services.errors import Invalid, NotFound

router = Router(tags=["tasks"])


@router.get("/api/tasks")
def list_tasks(
    user: CurrentUser,
    db: SessionDep,
    project: int | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    fields: str = "all",
    query: str | None = None,
    view: int | None = None,
    counts: Literal["all", "tasks", "none"] = "all",
    ids: Annotated[list[int] | None, Query()] = None,
) -> dict[str, Any]:
    """`{tasks, total, total_annotations, total_predictions}`; a page past the end is a 404,
    which is how Label Studio ends paging and what both SDK clients expect.

    `view` applies a saved data-manager view's filters and ordering (a `query` with its own
    filters or ordering replaces them). Every task carries `annotators` (user ids) and
    `completed_at`, read for the whole page in one query. `counts=tasks` (ours) leaves the
    annotation and prediction sums of a filtered selection out (null): they read every selected row,
    so the data manager asks for them in a second request and the page itself stays instant;
    `counts=none` (ours) leaves every total out, for turning pages of a selection already counted.
    """
    if project is None:
        if view is None:
            raise Invalid("the project query parameter is required", {"project": ["required"]})
        project = views.get(db, view).project_id
    proj = projects.get(db, project)
    policies.require(user, "task.list", proj)
    base = None
    if view is not None:
        saved = views.get(db, view)
        if saved.project_id != proj.id:
            raise Invalid(f"view {view} is not a view of project {proj.id}", {"view": ["other project"]})
        base = filters.view_query(saved.data or {})
    selection = filters.parse(query, ids, base)
    rows = tasks.page(db, proj, page, page_size, selection)
    if not rows and page > 1:
        raise NotFound("Invalid page.")
    task_ids = [t.id for t in rows]
    if fields == "task_only":
        out = [ls_json.task(t, None, None) for t in rows]
    else:
        anns, preds = tasks.related(db, task_ids)
        out = [ls_json.task(t, anns.get(t.id, []), preds.get(t.id, [])) for t in rows]
    who = tasks.people(db, task_ids)
    assigned = assignments.by_task(db, task_ids)  # Label Studio Enterprise's `assignees` (AN)
    agreement = {t.id: t.agreement for t in rows}  # reviewers and above only, as this route is
    for t in out:
        t["agreement"] = agreement[t["id"]]
        annotators, completed_at = who.get(t["id"], ([], None))
        t["annotators"] = annotators
        t["completed_at"] = completed_at
        t["assignees"] = assigned.get(t["id"], [])
    if fields != "task_only":
        consensus.attach(db, user, proj, out)  # `consensus` of the page's tasks, one query
    if counts == "none":
        total, total_annotations, total_predictions = None, None, None
    else:
        total, total_annotations, total_predictions = tasks.count(db, proj, selection, sums=counts == "all")
    return {
        "tasks": out,
        "total": total,
        "total_annotations": total_annotations,
        "total_predictions": total_predictions,
    }


@router.post("/api/tasks", status_code=201)
def create_task(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    data = json_object(body)
    project = projects.get(db, checks.as_id(data.get("project"), "project"))
    policies.require(user, "project.import", project)
    task = tasks.create(db, project, user, data)
    return ls_json.task(task, [], [])


@router.get("/api/tasks/{task_id}")
def get_task(task_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    task = tasks.get(db, task_id)
    project = projects.get(db, task.project_id)
    access.require_task(db, user, project, task.id)
    anns, preds = tasks.related(db, [task.id])
    out = access.trim(db, user, project, ls_json.task(task, anns.get(task.id, []), preds.get(task.id, [])))
    if policies.allowed(user, "task.list", project):  # annotators never see how others agree
        out["agreement"] = task.agreement
    consensus.attach(db, user, project, [out])
    return out


@router.patch("/api/tasks/{task_id}")
def update_task(task_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    task = tasks.get(db, task_id)
    policies.require(user, "task.change", projects.get(db, task.project_id))
    task = tasks.update(db, task, user, json_object(body))
    anns, preds = tasks.related(db, [task.id])
    return ls_json.task(task, anns.get(task.id, []), preds.get(task.id, []))


@router.delete("/api/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, user: CurrentUser, db: SessionDep) -> Response:
    task = tasks.get(db, task_id)
    policies.require(user, "task.delete", projects.get(db, task.project_id))
    tasks.delete_one(db, task, user)
    return Response(status_code=204)
