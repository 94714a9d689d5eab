"""Gold tasks and exams: `/api/projects/{id}/gold` (the annotators' gold accuracy; mark and unmark tasks)
and `/api/projects/{id}/members/{user}/exam` (reset an annotator's exam). Managers only."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy import select

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.db.engine import begin_write
from labelwise.db.models import Project, Task, User
from labelwise.services import checks, exams, gold, projects, quality_control
from labelwise.services.errors import Invalid

router = Router(tags=["gold"])
MAX_IDS = 10_000


def _manage(db: SessionDep, user: User, project_id: int) -> Project:
    project = projects.get(db, project_id)
    policies.require(user, "gold.manage", project, db)
    return project


def _ids(value: Any, field: str) -> list[int]:
    if (
        not isinstance(value, list)
        or not value
        or len(value) > MAX_IDS
        or not all(checks.is_id(v) for v in value)
    ):
        raise Invalid(f"{field} must be a list of 1 to {MAX_IDS} task ids", {field: ["a list of task ids"]})
    return [int(v) for v in value]


@router.get("/api/projects/{project_id}/gold")
def gold_table(project_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """Per annotator: gold answers (n), accuracy (mean score), correct answers, paused, exam."""
    project = _manage(db, user, project_id)
    q = quality_control.of(project)
    return {
        "project": project.id,
        "gold_tasks": gold.gold_count(db, project.id),
        "gold_rate": q.gold_rate,
        "gold_min_answers": q.gold_min_answers,
        "gold_threshold": q.gold_threshold,
        "exam_tasks": q.exam_tasks,
        "exam_threshold": q.exam_threshold,
        "annotators": gold.listing(db, project),
    }


@router.post("/api/projects/{project_id}/gold")
def mark_gold(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`{tasks: [ids], result?}`: the tasks become gold, with `result` as their ground truth (else each
    one's accepted or newest annotation is promoted)."""
    project = _manage(db, user, project_id)
    data = json_object(body)
    ids = _ids(data.get("tasks"), "tasks")
    begin_write(db)
    chosen = select(Task.id).where(Task.project_id == project.id, Task.id.in_(ids))
    n = gold.mark(db, project, user, chosen, data.get("result"))
    db.commit()
    return {"processed_items": n, "gold_tasks": gold.gold_count(db, project.id)}


@router.delete("/api/projects/{project_id}/gold")
def unmark_gold(project_id: int, request: Request, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`?tasks=1,2,3`: those tasks stop being gold (their answer keys are removed)."""
    project = _manage(db, user, project_id)
    raw = request.query_params.get("tasks") or ""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isdigit() and len(p) <= 10 for p in parts):
        raise Invalid("tasks must be comma-separated task ids", {"tasks": ["invalid id list"]})
    ids = _ids([int(p) for p in parts], "tasks")
    begin_write(db)
    chosen = select(Task.id).where(Task.project_id == project.id, Task.id.in_(ids))
    n = gold.unmark(db, project, user, chosen)
    db.commit()
    return {"processed_items": n, "gold_tasks": gold.gold_count(db, project.id)}


@router.delete("/api/projects/{project_id}/members/{user_id}/exam", status_code=204)
def reset_exam(project_id: int, user_id: int, user: CurrentUser, db: SessionDep) -> Response:
    """A new attempt at the qualification exam for that annotator."""
    project = _manage(db, user, project_id)
    exams.reset(db, project, user, checks.as_id(user_id, "user"))
    return Response(status_code=204)
