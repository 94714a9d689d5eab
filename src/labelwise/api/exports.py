"""The synchronous export: a streamed download in any format the project's config allows."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request
from starlette.responses import StreamingResponse

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.router import Router
from labelwise.io.exporters.selection import ExportOptions
from labelwise.services import checks, exports, projects

router = Router(tags=["export"])


@router.get("/api/projects/{project_id}/export/formats")
def export_formats(project_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """Label Studio's list of formats; one not offered for this config says why in `reason`."""
    project = projects.get(db, project_id)
    policies.require(user, "project.export", project)
    return [
        {
            "name": c.name,
            "title": c.title,
            "description": c.reason or "",
            "disabled": c.reason is not None,
            "reason": c.reason,
            "extension": c.extension,
        }
        for c in exports.choices(projects.schema(project))
    ]


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
    annotations: Literal["all", "ground_truth", "latest"] = "all",
    include_predictions: bool = False,
) -> StreamingResponse:
    project = projects.get(db, project_id)
    policies.require(user, "project.export", project)
    schema = projects.schema(project)
    fmt = exports.choose(schema, exportType or export_type or exports.JSON)
    if ids:
        ids = [i for i in ids if checks.is_id(i)] or [0]  # ids out of range cannot exist: match none
    only_annotated = download_all_tasks.lower() not in ("1", "true", "yes") and not ids
    body = exports.stream(
        request.app.state.sessionmaker,
        project.id,
        schema,
        fmt,
        only_annotated=only_annotated,
        ids=ids,
        options=ExportOptions(annotations=annotations, include_predictions=include_predictions),
    )
    name = f"project-{project.id}-export.{fmt.extension}"
    return StreamingResponse(
        body, media_type=fmt.media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
