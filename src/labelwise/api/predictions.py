"""Predictions: model output attached to tasks."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.io import ls_json
from labelwise.services import checks, predictions, projects, tasks
from labelwise.services.errors import Invalid

router = Router(tags=["predictions"])


@router.get("/api/predictions")
def list_predictions(
    user: CurrentUser, db: SessionDep, task: int | None = None, project: int | None = None
) -> list[dict[str, Any]]:
    if task is None and project is None:
        raise Invalid("give a task or project query parameter", {"task": ["required"]})
    pid = tasks.get(db, task).project_id if task is not None else project
    assert pid is not None
    policies.require(user, "task.view", projects.get(db, pid))
    return [ls_json.prediction(p) for p in predictions.list_for(db, task, project)]


@router.post("/api/predictions", status_code=201)
def create_prediction(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    data = json_object(body)
    task = tasks.get(db, checks.as_id(data.get("task"), "task"))
    policies.require(user, "prediction.change", projects.get(db, task.project_id))
    return ls_json.prediction(predictions.create(db, task, user, data))


@router.get("/api/predictions/{prediction_id}")
def get_prediction(prediction_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    pred = predictions.get(db, prediction_id)
    policies.require(user, "task.view", projects.get(db, pred.project_id))
    return ls_json.prediction(pred)


@router.patch("/api/predictions/{prediction_id}")
def update_prediction(
    prediction_id: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    pred = predictions.get(db, prediction_id)
    policies.require(user, "prediction.change", projects.get(db, pred.project_id))
    return ls_json.prediction(predictions.update(db, pred, user, json_object(body)))


@router.delete("/api/predictions/{prediction_id}", status_code=204)
def delete_prediction(prediction_id: int, user: CurrentUser, db: SessionDep) -> Response:
    pred = predictions.get(db, prediction_id)
    policies.require(user, "prediction.change", projects.get(db, pred.project_id))
    predictions.delete_one(db, pred, user)
    return Response(status_code=204)
