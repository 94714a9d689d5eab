"""Aggregated labels: `POST /api/projects/{id}/aggregate` starts the `quality.aggregate` job, `GET` answers
how the latest run is doing (status, annotations read of how many) and how many tasks have a consensus."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import TaskConsensus
from labelwise.services import aggregation, consensus, projects

router = Router(tags=["quality"])


@router.post("/api/projects/{project_id}/aggregate", status_code=202)
def start_aggregation(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """Body (optional): `{"method": "ds"}` to aggregate every control with one method this time."""
    project = projects.get(db, project_id)
    policies.require(user, "quality.aggregate", project)
    method = json_object(body).get("method")
    job = consensus.submit(db, project, user, method)
    return {"job": consensus.job_json(job)}


@router.get("/api/projects/{project_id}/aggregate")
def aggregation_state(project_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "quality.aggregate", project)
    tasks = db.scalar(
        select(func.count(func.distinct(TaskConsensus.task_id))).where(TaskConsensus.project_id == project.id)
    )
    return {
        "job": consensus.job_json(consensus.latest_job(db, project.id)),
        "tasks_with_consensus": int(tasks or 0),
        "methods": aggregation.methods(project, projects.schema(project)),
    }
