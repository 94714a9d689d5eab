"""Dashboard numbers: Labelwise's `/api/projects/{id}/stats` (and per user), and the Label Studio
Enterprise stats paths whose numbers Labelwise has (`stats/finished`, `stats/lead_time`, `stats/IAA`).

Managers see everyone's numbers ("stats.view"); every member sees their own ("stats.own").
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.router import Router
from labelwise.services import iaa, projects, stats

router = Router(tags=["stats"])

Days = Annotated[int, Query(ge=1, le=366)]


@router.get("/api/projects/{project_id}/stats")
def project_stats(
    project_id: int, user: CurrentUser, db: SessionDep, days: Days = stats.DAYS
) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "stats.view", project, db)
    return stats.project_stats(db, project, None, days)


@router.get("/api/projects/{project_id}/stats/users/{user_id}")
def user_stats(
    project_id: int, user_id: int, user: CurrentUser, db: SessionDep, days: Days = stats.DAYS
) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "stats.own" if user_id == user.id else "stats.view", project, db)
    return stats.project_stats(db, project, user_id, days)


@router.get("/api/projects/{project_id}/stats/finished")
def finished_tasks(
    project_id: int,
    user: CurrentUser,
    db: SessionDep,
    user_pk: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "stats.own" if user_pk == user.id else "stats.view", project, db)
    return stats.finished(db, project, user_pk)


@router.get("/api/projects/{project_id}/stats/lead_time")
def lead_time(project_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "stats.view", project, db)
    return stats.lead_times(db, project)


@router.get("/api/projects/{project_id}/stats/IAA")
def inter_annotator_agreement(
    project_id: int,
    user: CurrentUser,
    db: SessionDep,
    per_label: bool = False,
    std: bool = False,
    task: Annotated[str | None, Query(max_length=100_000)] = None,
) -> dict[str, Any]:
    """The pairwise agreement matrix; `task=1,2,3` limits it to those tasks. `per_label` is refused:
    per-label agreement is not computed, and an answer of another shape would mislead."""
    project = projects.get(db, project_id)
    policies.require(user, "stats.view", project, db)
    return iaa.iaa(db, project, iaa.task_ids(task), std, per_label)
