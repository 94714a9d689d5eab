"""Files from local storage, served to the users of the storage's project only.

Images, audio and video get their own content type (with Range support from FileResponse);
anything else, SVG and HTML included, is a download that a browser never renders, so a file in a
storage cannot run script on Labelwise's origin.
"""

from __future__ import annotations

import mimetypes

from fastapi import Request
from fastapi.routing import APIRouter
from starlette.responses import FileResponse, Response

from labelwise import policies
from labelwise.api.deps import SessionDep, SettingsDep, current_user
from labelwise.services import projects
from labelwise.services.errors import NotFound
from labelwise.storage import local

router = APIRouter(tags=["media"])

INLINE = ("image/", "audio/", "video/")


@router.get("/data/local-files")
def local_file(request: Request, db: SessionDep, settings: SettingsDep, d: str = "") -> Response:
    user = current_user(request, db)
    found = local.serve_path(db, settings, d)
    if found is None:
        raise NotFound("file not found")
    storage, path = found
    policies.require(user, "project.view", projects.get(db, storage.project_id))
    kind = mimetypes.guess_type(path.name)[0] or ""
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    if kind.startswith(INLINE) and kind != "image/svg+xml" and local.media_kind(path.name):
        return FileResponse(path, media_type=kind, headers=headers)
    return FileResponse(
        path, media_type="application/octet-stream", filename=path.name, content_disposition_type="attachment",
        headers=headers,
    )  # fmt: skip
