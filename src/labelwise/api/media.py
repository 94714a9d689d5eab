"""Files of local storages at Label Studio's address, `/data/local-files/?d=<path under a root>`.

A file is served only when a storage linked it (it was synced) and the caller may view that
storage's project. Images, audio and video are sent with their own content type (FileResponse
answers Range requests, which audio and video players need); anything else, SVG and HTML
included, is a download with `nosniff`, so a file in a storage can never run script on
Labelwise's origin.
"""

from __future__ import annotations

import os

from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep, SettingsDep
from labelwise.api.router import Router
from labelwise.services import projects
from labelwise.services.errors import NotFound
from labelwise.storage import local, paths

router = Router(tags=["media"])


class _OpenedFileResponse(FileResponse):
    """Serves a file opened (and checked) before the response started, through its descriptor,
    so a path swapped after the check cannot change what is sent; closes it when done."""

    def __init__(self, opened: paths.Opened, media_type: str, filename: str | None = None) -> None:
        super().__init__(
            opened.path_for_reopen(),
            media_type=media_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
            filename=filename,
            stat_result=opened.stat,
            content_disposition_type="attachment",
        )
        self._fd = opened.fd

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            os.close(self._fd)


@router.get("/data/local-files")
def local_file(user: CurrentUser, db: SessionDep, settings: SettingsDep, d: str = "") -> FileResponse:
    for found in local.locate(db, settings, d):
        if not policies.allowed(user, "project.view", projects.get(db, found.storage.project_id)):
            continue
        opened = paths.open_inside(found.base, found.key)
        if opened is None:
            continue
        name = found.key.rsplit("/", 1)[-1]
        kind = local.media_type(name)
        if kind is not None:
            return _OpenedFileResponse(opened, kind)
        return _OpenedFileResponse(opened, "application/octet-stream", filename=name)
    raise NotFound("file not found")
