"""Drafts on Label Studio's paths: a task's drafts, and one draft. A draft is its author's alone."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.services import access, drafts, projects, tasks
from labelwise.services import annotations as annotation_service
from labelwise.services.errors import NotFound

router = Router(tags=["drafts"])


@router.get("/api/tasks/{task_id}/drafts")
def list_drafts(task_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """The caller's drafts of the task (never other people's)."""
    task = tasks.get(db, task_id)
    policies.require(user, "task.view", projects.get(db, task.project_id))
    return [drafts.as_json(d) for d in drafts.for_task(db, task.id, user)]


@router.post("/api/tasks/{task_id}/drafts", status_code=201)
def create_draft(task_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    task = tasks.get(db, task_id)
    policies.require(user, "annotate", projects.get(db, task.project_id))
    return drafts.as_json(drafts.save(db, task, user, json_object(body)))


@router.post("/api/tasks/{task_id}/annotations/{annotation_id}/drafts", status_code=201)
def create_annotation_draft(
    task_id: int, annotation_id: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    """A draft of changes to an existing annotation (Label Studio's second draft path)."""
    task = tasks.get(db, task_id)
    project = projects.get(db, task.project_id)
    policies.require(user, "annotate", project, db)
    ann = annotation_service.get(db, annotation_id)
    if ann.task_id != task.id or not access.annotation_visible(
        db, user, project, ann.completed_by_id, task.id
    ):
        raise NotFound(f"annotation {annotation_id} not found on task {task.id}")
    return drafts.as_json(drafts.save(db, task, user, {**json_object(body), "annotation": annotation_id}))


@router.get("/api/drafts/{draft_id}")
def get_draft(draft_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return drafts.as_json(drafts.get(db, draft_id, user))


@router.patch("/api/drafts/{draft_id}")
def update_draft(draft_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    draft = drafts.get(db, draft_id, user)
    return drafts.as_json(drafts.update(db, draft, json_object(body)))


@router.delete("/api/drafts/{draft_id}", status_code=204)
def delete_draft(draft_id: int, user: CurrentUser, db: SessionDep) -> Response:
    drafts.delete(db, drafts.get(db, draft_id, user))
    return Response(status_code=204)
