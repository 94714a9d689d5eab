"""Model versions of a project's predictions: Label Studio's `GET /api/projects/{id}/model-versions` and
the comparison of the versions against ground truth and consensus (`ml/versions.py`).

Label Studio answers `{version: predictions}` (the project's current `model_version` at 0 when it has
none), or with `?extended=true` `{"static": [{model_version, count, latest}], "live": [connections] | null}`
(`live` with `?include_live_models=true`), `?limit=` keeping the newest versions. Who may read: those who
manage the project's models, as on the Models page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.router import Router
from labelwise.ml import connections, versions
from labelwise.services import projects

router = Router(tags=["ml"])


@router.get("/api/projects/{project_id}/model-versions")
def model_versions(
    project_id: int,
    user: CurrentUser,
    db: SessionDep,
    extended: bool = False,
    include_live_models: bool = False,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Any:
    project = projects.get(db, project_id)
    policies.require(user, "ml.manage", project, db)
    if not extended:
        return versions.listing(db, project)
    live = [connections.out(r) for r in connections.listing(db, project)] if include_live_models else None
    return {"static": versions.extended(db, project, limit), "live": live}


@router.get("/api/projects/{project_id}/model-versions/compare")
def compare_model_versions(
    project_id: int,
    user: CurrentUser,
    db: SessionDep,
    limit: Annotated[int, Query(ge=1, le=versions.LIMIT)] = versions.LIMIT,
) -> dict[str, Any]:
    """Every version's predictions scored against ground truth and consensus, per control and label;
    `limit` newest scored tasks at most (`truncated` says whether older ones were left out)."""
    project = projects.get(db, project_id)
    policies.require(user, "ml.manage", project, db)
    return versions.compare(db, project, limit)
