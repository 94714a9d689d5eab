"""The synchronous export: a streamed download of the project's tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import StreamingResponse

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.router import Router
from labelwise.services import checks, exports, projects
from labelwise.services.errors import Invalid

router = Router(tags=["export"])


@router.get("/api/projects/{project_id}/export")
def export(
    project_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    exportType: str | None = None,
    export_type: str | None = None,
    download_all_tasks: str = "false",
    ids: Annotated[list[int] | None, Query()] = None,
) -> StreamingResponse:
    project = projects.get(db, project_id)
    policies.require(user, "project.export", project)
    fmt = (exportType or export_type or "JSON").upper()
    if fmt not in exports.FORMATS:
        raise Invalid(
            f"exportType {fmt!r} is not supported; use one of {', '.join(exports.FORMATS)}",
            {"exportType": ["unsupported"]},
        )
    if ids:
        ids = [i for i in ids if checks.is_id(i)] or [0]  # ids out of range cannot exist: match none
    only_annotated = download_all_tasks.lower() not in ("1", "true", "yes") and not ids
    body = exports.stream_json(request.app.state.sessionmaker, project.id, only_annotated, ids)
    name = f"project-{project.id}-export.json"
    return StreamingResponse(
        body, media_type="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
