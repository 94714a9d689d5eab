"""Predictions: model output stored beside annotations, validated against the same config."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Prediction, Task, User
from labelwise.services import activity, counters, projects
from labelwise.services.errors import Invalid, NotFound


def get(db: Session, prediction_id: int) -> Prediction:
    pred = db.get(Prediction, prediction_id)
    if pred is None:
        raise NotFound(f"prediction {prediction_id} not found")
    return pred


def _clean(task: Task, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "result" in body:
        result = body["result"]
        project = projects.get_for_task(task)
        try:
            labeling.validate_result(projects.schema(project), task.data, result)
        except labeling.InvalidResult as exc:
            raise Invalid(f"result: {exc}", {"result": [str(exc)]}) from exc
        out["result"] = result
    if "score" in body:
        score = body["score"]
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise Invalid("score must be a number", {"score": ["expected a number"]})
        out["score"] = score
    if "model_version" in body:
        out["model_version"] = str(body["model_version"] or "")
    return out


def create(db: Session, task: Task, user: User, body: dict[str, Any]) -> Prediction:
    begin_write(db)
    values = _clean(task, {"result": body.get("result", []), **body})
    pred = Prediction(task_id=task.id, project_id=task.project_id, **values)
    db.add(pred)
    db.flush()
    counters.predictions_changed(db, task.project_id, task.id, 1)
    activity.record(db, user, "prediction.created", "prediction", pred.id, {"task": task.id}, task.project_id)
    db.commit()
    return pred


def update(db: Session, pred: Prediction, user: User, body: dict[str, Any]) -> Prediction:
    begin_write(db)
    task = db.get(Task, pred.task_id)
    assert task is not None
    for key, value in _clean(task, body).items():
        setattr(pred, key, value)
    pred.updated_at = utcnow()
    activity.record(db, user, "prediction.updated", "prediction", pred.id, None, pred.project_id)
    db.commit()
    return pred


def delete_one(db: Session, pred: Prediction, user: User) -> None:
    begin_write(db)
    counters.predictions_changed(db, pred.project_id, pred.task_id, -1)
    activity.record(db, user, "prediction.deleted", "prediction", pred.id, None, pred.project_id)
    db.execute(delete(Prediction).where(Prediction.id == pred.id))
    db.commit()


def list_for(
    db: Session, task_id: int | None, project_id: int | None, limit: int = 10_000
) -> list[Prediction]:
    q = select(Prediction).order_by(Prediction.id).limit(limit)
    if task_id is not None:
        q = q.where(Prediction.task_id == task_id)
    if project_id is not None:
        q = q.where(Prediction.project_id == project_id)
    return list(db.scalars(q))
