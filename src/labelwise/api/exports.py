"""Exports: the synchronous streamed download in any format the project's config allows, and
Label Studio's export snapshots (`/exports/`), written in the background and downloaded later."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from labelwise import policies
from labelwise.api import serializers
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import ExportSnapshot, Project, User
from labelwise.io.exporters.selection import ExportOptions
from labelwise.services import activity, checks, exports, projects, snapshots
from labelwise.services.errors import Invalid

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


def _task_ids(values: list[str]) -> list[int] | None:
    """Task ids from `ids=1&ids=2`, Label Studio's `ids[]=1&ids[]=2`, or the compact `ids=1,2,3` the
    data manager sends (a URL holds about three times as many ids that way)."""
    if not values:
        return None
    out: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise Invalid(f"ids must be task ids, not {part[:30]!r}", {"ids": ["expected integers"]})
            out.append(int(part))
    if not out:
        return None
    return [i for i in out if checks.is_id(i)] or [0]  # ids out of range cannot exist: match none


@router.get("/api/projects/{project_id}/export")
def export(
    project_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    exportType: str | None = None,
    export_type: str | None = None,
    download_all_tasks: str = "false",
    ids: Annotated[list[str] | None, Query()] = None,
    ids_brackets: Annotated[list[str] | None, Query(alias="ids[]")] = None,
    annotations: Literal["all", "ground_truth", "latest", "aggregated"] = "all",
    include_predictions: bool = False,
    include_gold: bool = False,
) -> StreamingResponse:
    project = projects.get(db, project_id)
    policies.require(user, "project.export", project)
    schema = projects.schema(project)
    fmt = exports.choose(schema, exportType or export_type or exports.JSON)
    chosen = _task_ids([*(ids or []), *(ids_brackets or [])])
    only_annotated = download_all_tasks.lower() not in ("1", "true", "yes") and not chosen
    body = exports.stream(
        request.app.state.sessionmaker,
        project.id,
        schema,
        fmt,
        only_annotated=only_annotated,
        ids=chosen,
        options=ExportOptions(annotations=annotations, include_predictions=include_predictions),
        include_gold=include_gold,
    )
    detail = {"format": fmt.name, "tasks": "selected" if chosen else "annotated" if only_annotated else "all"}
    activity.record_apart(
        request.app.state.write_sessionmaker,
        user,
        "project.exported",
        "project",
        project.id,
        detail,
        project.id,
    )
    name = f"project-{project.id}-export.{fmt.extension}"
    return StreamingResponse(
        body, media_type=fmt.media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# Snapshots: Label Studio's /exports/ API, written in the background by `services.snapshots`.
def _snapshot_out(
    s: ExportSnapshot, states: dict[int, snapshots.JobState], user: User | None
) -> dict[str, Any]:
    status, error = snapshots.status_of(s.status, s.job_id, states)
    job = states.get(s.job_id or 0)
    converted = []
    for fmt, entry in (s.files or {}).items():
        if fmt == snapshots.JSON:
            continue
        cstatus, cerror = snapshots.status_of(entry.get("status", ""), entry.get("job"), states)
        converted.append(
            {
                "id": entry.get("job"),
                "export_type": fmt,
                "status": cstatus,
                "traceback": entry.get("traceback") or cerror or None,
            }
        )
    options = s.options or {}
    return {
        "id": s.id,
        "title": s.title,
        "created_by": serializers.user_simple(user) if user is not None else None,
        "created_at": s.created_at,
        "finished_at": s.finished_at,
        "status": status,
        "md5": s.md5,
        "counters": s.counters or {},
        "converted_formats": converted,
        "task_filter_options": options.get("task_filter_options", {}),
        "annotation_filter_options": options.get("annotation_filter_options", {}),
        "serialization_options": options.get("serialization_options", {}),
        "error": s.error or error or None,
        # Ours: tasks written so far of how many, while the snapshot is written.
        "progress": {"done": job.done, "total": job.total} if job else None,
    }


def _out_all(db: Session, items: list[ExportSnapshot]) -> list[dict[str, Any]]:
    states = snapshots.job_states(db, items)
    ids = {s.created_by_id for s in items if s.created_by_id}
    people = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [_snapshot_out(s, states, people.get(s.created_by_id or 0)) for s in items]


def _exporting(db: Session, user: User, project_id: int) -> Project:
    project = projects.get(db, project_id)
    policies.require(user, "project.export", project)
    return project


@router.get("/api/projects/{project_id}/exports")
def list_snapshots(project_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """The latest 100 snapshots, newest first."""
    project = _exporting(db, user, project_id)
    return _out_all(db, snapshots.listing(db, project))


@router.post("/api/projects/{project_id}/exports", status_code=201)
def create_snapshot(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = _exporting(db, user, project_id)
    snapshot = snapshots.create(db, project, user, json_object(body))
    return _out_all(db, [snapshot])[0]


@router.get("/api/projects/{project_id}/exports/{export_pk}")
def get_snapshot(project_id: int, export_pk: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = _exporting(db, user, project_id)
    return _out_all(db, [snapshots.get(db, project, export_pk)])[0]


@router.delete("/api/projects/{project_id}/exports/{export_pk}", status_code=204)
def delete_snapshot(
    project_id: int, export_pk: int, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> Response:
    project = _exporting(db, user, project_id)
    snapshots.remove(db, settings, project, snapshots.get(db, project, export_pk))
    return Response(status_code=204)


@router.post("/api/projects/{project_id}/exports/{export_pk}/convert")
def convert_snapshot(
    project_id: int, export_pk: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    """Write the snapshot in another format in the background; poll the snapshot's
    `converted_formats` for its status, then download with `exportType`."""
    project = _exporting(db, user, project_id)
    snapshot = snapshots.get(db, project, export_pk)
    fmt, conversion = snapshots.convert(db, project, snapshot, json_object(body).get("export_type"))
    return {"export_type": fmt, "converted_format": conversion}


@router.get("/api/projects/{project_id}/exports/{export_pk}/download")
def download_snapshot(
    project_id: int,
    export_pk: int,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    exportType: str | None = None,
) -> StreamingResponse:
    project = _exporting(db, user, project_id)
    file = snapshots.download(settings, project, snapshots.get(db, project, export_pk), exportType)
    return StreamingResponse(
        file.chunks(),
        media_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.name}"',
            "Content-Length": str(file.size),
        },
    )
