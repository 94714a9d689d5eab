"""Files of local storages at Label Studio's address, `/data/local-files/?d=<path under a root>`.

A file is served only when a storage linked it (it was synced) and the caller may view that
storage's project. Images, audio and video are sent with their own content type (FileResponse
answers Range requests, which audio and video players need); anything else, SVG and HTML
included, is a download with `nosniff`, so a file in a storage can never run script on
Labelwise's origin.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep, SettingsDep
from labelwise.api.router import Router
from labelwise.io.readers import media
from labelwise.services import projects
from labelwise.services.errors import NotFound
from labelwise.storage import local, paths

router = Router(tags=["media"])
DOWNLOAD = "application/octet-stream"
# Sent with every stored file: no content sniffing (a download stays a download), private cache.
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}


def served_as(name: str) -> tuple[str, str | None]:
    """The content type a stored file named `name` is sent with, and the file name to send it as
    an attachment under (None: inline). Only images, audio and video are inline; everything else,
    HTML and SVG included, is a download, so it cannot run script on Labelwise's origin."""
    kind = media.content_type(name)
    return (kind, None) if kind is not None else (DOWNLOAD, name)


def attachment(filename: str) -> str:
    """A Content-Disposition for a download, the name percent-encoded (RFC 6266)."""
    return f"attachment; filename*=utf-8''{quote(filename, safe='')}"


class _OpenedFileResponse(FileResponse):
    """Serves a file opened (and checked) before the response started, through its descriptor,
    so a path swapped after the check cannot change what is sent; closes it when done."""

    def __init__(self, opened: paths.Opened, media_type: str, filename: str | None = None) -> None:
        super().__init__(
            opened.path_for_reopen(),
            media_type=media_type,
            headers=HEADERS,
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
        media_type, filename = served_as(found.key.rsplit("/", 1)[-1])
        return _OpenedFileResponse(opened, media_type, filename=filename)
    raise NotFound("file not found")
