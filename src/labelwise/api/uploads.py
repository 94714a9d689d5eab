"""Uploaded files: Label Studio's file-upload endpoints and the files themselves at
`/data/upload/<project>/<name>`.

A file is served only to users who may view its project. Images, audio and video go out with
their own content type (Range requests answered, for players); anything else, task files
included, is a download with `nosniff`, so nothing uploaded can run script on this origin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep, SettingsDep
from labelwise.api.media import _OpenedFileResponse
from labelwise.api.router import Router
from labelwise.db.models import FileUpload
from labelwise.io import jsonin
from labelwise.services import checks, projects, uploads
from labelwise.services.errors import Invalid, NotFound
from labelwise.storage import paths

router = Router(tags=["import"])


def _out(upload: FileUpload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "file": uploads.url(upload),
        "size": upload.size,
        "original_name": upload.original_name,
        "kind": upload.kind,
        "created_at": upload.created_at,
    }


@router.get("/api/projects/{project_id}/file-uploads")
def list_uploads(
    project_id: int,
    user: CurrentUser,
    db: SessionDep,
    ids: Annotated[list[str] | None, Query()] = None,
    all: str | None = None,
) -> list[dict[str, Any]]:
    """`ids` as repeated parameters or one JSON-ish list (`ids=[1,2]`), as the SDK sends it."""
    project = projects.get(db, project_id)
    policies.require(user, "project.import", project)
    wanted: list[int] | None = None
    if ids and (all or "").lower() != "true":
        wanted = []
        for part in ",".join(ids).strip("[]").split(","):
            part = part.strip()
            if part:
                if not part.isdigit():
                    raise Invalid(f"ids: {part[:40]!r} is not an id", {"ids": [part[:40]]})
                wanted.append(int(part))
    return [_out(u) for u in uploads.listing(db, project.id, wanted)]


@router.delete("/api/projects/{project_id}/file-uploads")
async def delete_uploads(
    project_id: int, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, int]:
    """`{"file_upload_ids": [...]}` deletes those; no body deletes all of the project's uploads."""
    project = projects.get(db, project_id)
    policies.require(user, "project.import", project)
    raw = await request.body()
    wanted: list[int] | None = None
    if raw.strip():
        body = jsonin.loads(raw, "body")
        ids = body.get("file_upload_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(checks.is_id(i) for i in ids):
            raise Invalid("file_upload_ids: give a list of file upload ids", {"file_upload_ids": ["invalid"]})
        wanted = ids
    found = uploads.listing(db, project.id, wanted)
    return {"deleted": uploads.remove(db, settings, user, project.id, found)}


def _project_upload(db: SessionDep, user: CurrentUser, upload_id: int, action: str) -> FileUpload:
    upload = uploads.get(db, upload_id)
    policies.require(user, action, projects.get(db, upload.project_id))
    return upload


@router.get("/api/import/file-upload/{upload_id}")
def get_upload(upload_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return _out(_project_upload(db, user, upload_id, "project.import"))


@router.patch("/api/import/file-upload/{upload_id}")
async def replace_upload(
    upload_id: int, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """New content for an upload (multipart field `file`); tasks pointing at it keep their URL."""
    upload = _project_upload(db, user, upload_id, "project.import")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return _out(upload)
    form = await request.form(max_files=1)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return _out(upload)
    return _out(uploads.replace(db, settings, user, upload, file.filename or upload.name, file.file))


@router.delete("/api/import/file-upload/{upload_id}", status_code=204)
def delete_upload(upload_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> Response:
    upload = _project_upload(db, user, upload_id, "project.import")
    uploads.remove(db, settings, user, upload.project_id, [upload])
    return Response(status_code=204)


@router.get("/data/upload/{project_id}/{name}")
def uploaded_file(
    project_id: str, name: str, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> FileResponse:
    """Unknown project, unknown name and a project the caller may not see all answer 404 alike,
    so the endpoint tells nothing about other projects' files."""
    upload = (
        uploads.find(db, int(project_id), name) if project_id.isdigit() and len(project_id) < 12 else None
    )
    if upload is None or not policies.allowed(user, "project.view", projects.get(db, upload.project_id)):
        raise NotFound("file not found")
    opened = paths.open_inside(uploads.directory(settings, upload.project_id), upload.name)
    if opened is None:
        raise NotFound("file not found")
    if upload.kind in ("image", "audio", "video") and upload.content_type.startswith(upload.kind + "/"):
        return _OpenedFileResponse(opened, upload.content_type)
    return _OpenedFileResponse(
        opened, "application/octet-stream", filename=uploads.safe_name(upload.original_name or upload.name)
    )
