"""Label Studio's `/api/ml` endpoints (model connections of a project), and their pre-annotation runs.

Managers of the project manage connections, start runs and training; interactive annotating (the
editor's "Predict this task") is open to anyone who may see the task. A connection of a project the
caller may not see is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import MLBackend, User
from labelwise.ml import builtin, connections, runs
from labelwise.ml.contract import ModelError
from labelwise.ml.llm import evaluation
from labelwise.services import access, checks, projects, tasks
from labelwise.services.errors import Invalid

router = Router(tags=["ml"])


def _connection(db: Session, user: User, ml_id: int, action: str = "ml.manage") -> MLBackend:
    row = connections.get(db, ml_id)
    policies.require(user, action, projects.get(db, row.project_id), db)
    return row


@router.get("/api/ml")
def list_ml(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    """`?project=ID`: the project's connections (Label Studio requires the project)."""
    scope = connections.project_for(db, project)
    policies.require(user, "ml.manage", scope, db)
    return [connections.out(r) for r in connections.listing(db, scope)]


@router.post("/api/ml", status_code=201)
def create_ml(body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    data = json_object(body)
    project = connections.project_for(db, data.get("project"))
    policies.require(user, "ml.manage", project, db)
    row = connections.create(db, user, project, data, settings)
    builtin.retrain.WATCH.forget(db, project.id)
    return connections.out(row)


@router.get("/api/ml/{ml_id}")
def get_ml(ml_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return connections.out(_connection(db, user, ml_id))


@router.patch("/api/ml/{ml_id}")
def update_ml(
    ml_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    row = _connection(db, user, ml_id)
    changed = connections.update(db, row, user, json_object(body), settings)
    builtin.retrain.WATCH.forget(db, changed.project_id)  # `retrain_every` may have changed
    return connections.out(changed)


@router.delete("/api/ml/{ml_id}", status_code=204)
def delete_ml(ml_id: int, user: CurrentUser, db: SessionDep) -> Response:
    row = _connection(db, user, ml_id)
    project_id = row.project_id
    connections.delete(db, row, user)
    builtin.retrain.WATCH.forget(db, project_id)
    return Response(status_code=204)


@router.post("/api/ml/{ml_id}/validate")
def validate_ml(ml_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Ask the model for its health and setup again; the connection with its new state."""
    return connections.out(connections.validate(db, _connection(db, user, ml_id), settings))


@router.get("/api/ml/{ml_id}/versions")
def versions_ml(ml_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return connections.versions(db, _connection(db, user, ml_id))


@router.post("/api/ml/{ml_id}/train")
def train_ml(
    ml_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    data = json_object(body)
    row = _connection(db, user, ml_id)
    use_gt = checks.flag(data, "use_ground_truth", True)
    if row.type == "builtin":  # trains in the background; the job to poll at /api/ml/{id}/jobs/{job}
        job = builtin.training.submit(db, row, user.id, use_gt)
        return {**connections.out(connections.get(db, row.id)), "job": runs.job_out(job)}
    return connections.out(connections.train(db, row, user, settings, use_gt))


@router.post("/api/ml/{ml_id}/predict")
def predict_ml(
    ml_id: int,
    body: JsonBody,
    user: CurrentUser,
    db: SessionDep,
    batch_size: Annotated[int | None, Query(ge=1, le=runs.MAX_BATCH)] = None,
) -> dict[str, Any]:
    """Start a pre-annotation run over all tasks, or those the body selects (`tasks: [ids]`, or the
    data manager's `selectedItems`, `filters`, `view`); the run (a job) to poll."""
    row = _connection(db, user, ml_id)
    return {"job": runs.job_out(runs.start(db, row, user, json_object(body), batch_size))}


@router.post("/api/ml/{ml_id}/predict/test")
def predict_test_ml(ml_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """One prediction for the project's first task, not stored: does the model answer sensibly?"""
    row = _connection(db, user, ml_id)
    return runs.predict_one(db, row, runs.first_task(db, row), settings)


@router.post("/api/ml/{ml_id}/evaluate", status_code=201)
def evaluate_ml(ml_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Score the connection on the project's gold tasks (accuracy against ground truth, agreement with the
    human majority) and keep the figures per model version, so versions and prompts compare side by side
    (`GET /api/projects/{id}/prompts/evaluations`). Any kind: a model is scored like an annotator."""
    row = _connection(db, user, ml_id)
    project = projects.get(db, row.project_id)
    try:
        model = connections.model_for(project, row, settings)
        prompt = str((row.extra_params or {}).get("prompt") or "")
        result = evaluation.evaluate(db, project, model, user=user, connection_id=row.id, prompt=prompt)
    except ModelError as exc:
        raise Invalid(str(exc), {"model": [str(exc)]}) from None
    report = getattr(model, "report", None)
    return {**evaluation.to_json(result), **({"report": report.to_json()} if report is not None else {})}


@router.post("/api/ml/{ml_id}/interactive-annotating")
def interactive_ml(
    ml_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """`{task, context}` → `{"data": {result, score, model_version}}` or `{"errors": [...]}`."""
    data = json_object(body)
    row = _connection(db, user, ml_id, "ml.interactive")
    project = projects.get(db, row.project_id)
    task_id = checks.as_id(data.get("task"), "task")
    access.require_task(db, user, project, task_id)
    task = tasks.get(db, task_id)
    if task.project_id != project.id:
        raise Invalid(f"task {task_id} is not in project {project.id}", {"task": ["other project"]})
    return runs.predict_one(db, row, task, settings, data.get("context"))


@router.get("/api/ml/{ml_id}/jobs")
def list_runs(ml_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """The connection's latest pre-annotation runs, newest first."""
    return [runs.job_out(j) for j in runs.runs_of(db, _connection(db, user, ml_id))]


@router.get("/api/ml/{ml_id}/jobs/{job_id}")
def get_run(ml_id: int, job_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return runs.job_out(runs.run_of(db, _connection(db, user, ml_id), job_id))


@router.post("/api/ml/{ml_id}/jobs/{job_id}/cancel")
def cancel_run(ml_id: int, job_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    row = _connection(db, user, ml_id)
    job = runs.run_of(db, row, job_id)
    return runs.job_out(runs.cancel(db, job))
