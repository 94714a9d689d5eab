"""Agreement: `GET /api/projects/{id}/agreement` answers the project's report (services/agreement.py),
`POST /api/projects/{id}/agreement/recompute` starts the `quality.agreement` job that rewrites every task's
stored agreement. Managers and above: the report shows every annotator's answers against the others'."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.router import Router
from labelwise.services import agreement, projects

router = Router(tags=["quality"])


@router.get("/api/projects/{project_id}/agreement")
def agreement_report(
    project_id: int,
    user: CurrentUser,
    db: SessionDep,
    control: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """`control=` narrows the report to one control; `limit=` (0 to 1000, default 20) lowest tasks."""
    project = projects.get(db, project_id)
    policies.require(user, "agreement.view", project)
    return agreement.report(db, project, control or None, agreement.limit_of(limit))


@router.post("/api/projects/{project_id}/agreement/recompute", status_code=202)
def recompute_agreement(project_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "agreement.recompute", project)
    return {"job": agreement.job_json(agreement.submit(db, project, user))}
