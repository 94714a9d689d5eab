"""Annotations of a task and one annotation (their history: api/history.py)."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api import lean
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import Annotation, User
from labelwise.io import ls_json
from labelwise.services import access, projects, tasks
from labelwise.services import annotations as annotation_service
from labelwise.services.errors import NotFound

router = Router(tags=["annotations"])


def _out(ann: Annotation | dict[str, Any]) -> dict[str, Any]:
    """Label Studio's annotation JSON plus `skip_reason` and `review_state` (ours; exports keep Label
    Studio's shape)."""
    if isinstance(ann, dict):
        reason, state = ann.get("skip_reason"), ann.get("review_state")
    else:
        reason, state = ann.skip_reason, ann.review_state
    out = {**ls_json.annotation(ann), "skip_reason": reason, "review_state": state}
    if isinstance(ann, dict) and "feedback" in ann:  # training mode, on a gold task (services/gold.py)
        out["feedback"] = ann["feedback"]
    return out


def _may_change(db: Session, user: User, ann: Annotation) -> None:
    """Authors change their own annotations (while they belong to the project); managers any."""
    project = projects.get(db, ann.project_id)
    action = "annotate" if ann.completed_by_id == user.id else "annotation.change_any"
    policies.require(user, action, project, db)


@router.get("/api/tasks/{task_id}/annotations")
def list_annotations(task_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    task = tasks.get(db, task_id)
    project = projects.get(db, task.project_id)
    access.require_task(db, user, project, task.id)
    own = access.own_only(db, user, project)
    truth = access.sees_ground_truth(db, user, project)
    return [
        _out(a)
        for a in annotation_service.for_task(db, task)
        if a.completed_by_id == user.id or (not own and (truth or not a.ground_truth))
    ]


@router.post("/api/tasks/{task_id}/annotations", status_code=201)
@lean.hot
def create_annotation(task_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    target = annotation_service.target(db, task_id, user)
    # The task's row came with its project's settings and the caller's membership role: the decision
    # needs only the project's id and no statement of its own.
    policies.require(user, "annotate", policies.ProjectRef(target.project_id), db)
    return _out(annotation_service.create(db, target, user, json_object(body)))


@router.get("/api/annotations/{annotation_id}")
def get_annotation(annotation_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    ann = annotation_service.get(db, annotation_id)
    project = projects.get(db, ann.project_id)
    policies.require(user, "task.view", project, db)
    if not access.annotation_visible(db, user, project, ann.completed_by_id, ann.task_id, ann.ground_truth):
        raise NotFound(f"annotation {annotation_id} not found")
    return _out(ann)


@router.patch("/api/annotations/{annotation_id}")
@lean.hot
def update_annotation(
    annotation_id: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    ann = annotation_service.get(db, annotation_id)
    _may_change(db, user, ann)
    return _out(annotation_service.update(db, ann, user, json_object(body)))


@router.delete("/api/annotations/{annotation_id}", status_code=204)
def delete_annotation(annotation_id: int, user: CurrentUser, db: SessionDep) -> Response:
    ann = annotation_service.get(db, annotation_id)
    _may_change(db, user, ann)
    annotation_service.delete_one(db, ann, user)
    return Response(status_code=204)
