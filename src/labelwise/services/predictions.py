"""Predictions: model output stored beside annotations, validated against the same config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Prediction, Project, Task, User
from labelwise.services import activity, checks, counters, projects
from labelwise.services.errors import Invalid, NotFound


def get(db: Session, prediction_id: int) -> Prediction:
    pred = db.get(Prediction, prediction_id) if checks.is_id(prediction_id) else None
    if pred is None:
        raise NotFound(f"prediction {prediction_id} not found")
    return pred


def expand_shorthand(schema: labeling.Schema, result: Any) -> Any:
    """Label Studio accepts a bare label (`"Cat"`) or a bare value (`{"choices": ["Cat"]}`) as a
    prediction result when the config has one control; expand them to a full result list."""
    if isinstance(result, list) or not schema.controls:
        return result
    if isinstance(result, str):
        control = next((c for c in schema.controls.values() if c.options), None)
        if control is None:
            return result
        key = "choices" if control.type == "choices" else control.type
        return [{"from_name": control.name, "to_name": control.to_name[0], "type": control.type,
                 "value": {key: [result]}}]  # fmt: skip
    if isinstance(result, dict) and "from_name" not in result:
        for control in schema.controls.values():
            if control.type in result:
                return [{"from_name": control.name, "to_name": control.to_name[0], "type": control.type,
                         "value": result}]  # fmt: skip
    if isinstance(result, dict):
        return [result]
    return result


def _clean(task: Task, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "result" in body:
        project = projects.get_for_task(task)
        result = expand_shorthand(projects.schema(project), body["result"])
        try:
            labeling.validate_result(projects.schema(project), task.data, result)
        except labeling.InvalidResult as exc:
            raise Invalid(f"result: {exc}", {"result": [str(exc)]}) from exc
        out["result"] = result
    if "score" in body:
        out["score"] = checks.number(body["score"], "score")
    if "model_version" in body:
        mv = body["model_version"]
        out["model_version"] = "" if mv is None else checks.text(mv, "model_version", 255)
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


def create_many(db: Session, project: Project, user: User, body: Any) -> int:
    """Bulk create; every item is checked before the first is written."""
    begin_write(db)
    if not isinstance(body, list):
        raise Invalid("body must be a list of predictions", {"body": ["expected a list"]})
    rows: list[Prediction] = []
    for i, item in enumerate(body):
        if not isinstance(item, dict) or not checks.is_id(item.get("task")):
            raise Invalid(f"item {i}: needs an integer task id", {"predictions": [f"item {i}: task"]})
        task = db.get(Task, item["task"])
        if task is None or task.project_id != project.id:
            raise Invalid(
                f"item {i}: task {item['task']} is not in project {project.id}",
                {"predictions": [f"item {i}"]},
            )
        try:
            values = _clean(task, {"result": item.get("result", []), **item})
        except Invalid as exc:
            raise Invalid(f"item {i}: {exc.detail}", {"predictions": [f"item {i}: {exc.detail}"]}) from exc
        rows.append(Prediction(task_id=task.id, project_id=project.id, **values))
    db.add_all(rows)
    db.flush()
    for p in rows:
        counters.predictions_changed(db, project.id, p.task_id, 1)
    activity.record(db, user, "predictions.imported", "project", project.id, {"count": len(rows)}, project.id)
    db.commit()
    return len(rows)


def list_for(
    db: Session, task_id: int | None, project_id: int | None, limit: int = 10_000
) -> list[Prediction]:
    q = select(Prediction).order_by(Prediction.id).limit(limit)
    if task_id is not None:
        q = q.where(Prediction.task_id == task_id)
    if project_id is not None:
        q = q.where(Prediction.project_id == project_id)
    return list(db.scalars(q))


def replace_for_model(
    db: Session, project_id: int, versions: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> int:
    """Put `rows` (one new prediction per task, dicts of Prediction's columns) in place of the predictions
    of the tasks they name whose model version is one of `versions` (a model's older versions), keeping
    the task and project counters right; the number removed. Why: the queue's uncertainty sampling walks
    every prediction of the project by score, so a retrained model's scores must not sit beside the old
    ones. The caller holds the write transaction and commits."""
    if not rows:
        return 0
    task_ids = sorted({int(r["task_id"]) for r in rows})
    removed: dict[int, int] = {}
    if versions:
        found = db.execute(
            select(Prediction.task_id, func.count())
            .where(
                Prediction.project_id == project_id,
                Prediction.task_id.in_(task_ids),
                Prediction.model_version.in_(list(versions)),
            )
            .group_by(Prediction.task_id)
        )
        removed = {int(t): int(n) for t, n in found}
        if removed:
            db.execute(
                delete(Prediction).where(
                    Prediction.project_id == project_id,
                    Prediction.task_id.in_(list(removed)),
                    Prediction.model_version.in_(list(versions)),
                )
            )
    db.execute(insert(Prediction), [dict(r) for r in rows])
    added: dict[int, int] = {}
    for r in rows:
        added[int(r["task_id"])] = added.get(int(r["task_id"]), 0) + 1
    by_delta: dict[int, list[int]] = {}
    for task_id in task_ids:
        delta = added.get(task_id, 0) - removed.get(task_id, 0)
        if delta:
            by_delta.setdefault(delta, []).append(task_id)
    for delta, ids in by_delta.items():
        db.execute(
            sql_update(Task).where(Task.id.in_(ids)).values(total_predictions=Task.total_predictions + delta)
        )
    total = len(rows) - sum(removed.values())
    if total:
        db.execute(
            sql_update(Project)
            .where(Project.id == project_id)
            .values(total_predictions_number=Project.total_predictions_number + total)
        )
    return sum(removed.values())
