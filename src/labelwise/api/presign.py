"""Objects of S3 storages at Label Studio's addresses: `/tasks/{id}/presign/?fileuri=<uri>` and
`/projects/{id}/presign/?fileuri=<uri>` (also `/resolve/`), the URI in URL-safe base64.

The caller must be allowed to view the task's project, and the URI must name an object in the
bucket and under the prefix of one of that project's S3 storages: nothing else is resolved, so
this is no open proxy. A storage with `presign` answers 303 to a presigned URL; without it the
bytes stream through Labelwise (a Range passed through, for audio and video players), with the
same content-type policy as local files (`api.media.served_as`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep, SettingsDep
from labelwise.api.media import HEADERS, attachment, served_as
from labelwise.api.router import Router
from labelwise.db.models import Project, User
from labelwise.services import access, projects, tasks
from labelwise.services.errors import Invalid, NotFound, Upstream
from labelwise.settings import Settings
from labelwise.storage import buckets, s3

router = Router(tags=["media"])
_RANGE = re.compile(r"bytes=(\d{1,19}-\d{0,19}|-\d{1,19})")
# Headers of the store's answer that a browser needs to play, seek and cache the object.
_PASSED = ("content-length", "content-range", "etag", "last-modified")


def _resolve(
    db: SessionDep, settings: Settings, user: User, project: Project, fileuri: str, request: Request
) -> Response:
    if not fileuri:
        raise Invalid("fileuri: give the object's URI (base64)", {"fileuri": ["required"]})
    found = s3.locate(db, project.id, s3.decode_uri(fileuri))
    if found is None:
        raise NotFound("no storage of this project holds that object")
    try:
        if found.storage.settings.get("presign", True):
            return RedirectResponse(
                s3.presigned_url(settings, found), status_code=303, headers={"Cache-Control": "no-store"}
            )
        byte_range = request.headers.get("range", "").strip()
        fetched = s3.fetch_object(settings, found, byte_range if _RANGE.fullmatch(byte_range) else None)
    except buckets.BucketError as exc:
        raise Upstream(exc.detail) from None
    if fetched is None:
        raise NotFound("the object is not in the bucket")
    return _streamed(found.key, fetched)


def _streamed(key: str, fetched: buckets.Fetched) -> Response:
    media_type, filename = served_as(key.rsplit("/", 1)[-1])
    headers = {**HEADERS, "Accept-Ranges": "bytes"}
    headers.update({k: v for k, v in fetched.headers.items() if k in _PASSED})
    if filename is not None:
        headers["Content-Disposition"] = attachment(filename)

    def body() -> Iterator[bytes]:
        try:
            yield from fetched.body
        finally:
            fetched.close()

    return StreamingResponse(body(), status_code=fetched.status, media_type=media_type, headers=headers)


@router.get("/tasks/{task_id}/presign")
@router.get("/tasks/{task_id}/resolve")
def task_object(
    task_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    fileuri: str = "",
) -> Response:
    task = tasks.get(db, task_id)
    project = projects.get(db, task.project_id)
    access.require_task(db, user, project, task.id)  # annotators: only the tasks handed to them
    return _resolve(db, settings, user, project, fileuri, request)


@router.get("/projects/{project_id}/presign")
@router.get("/projects/{project_id}/resolve")
def project_object(
    project_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    fileuri: str = "",
) -> Response:
    project = projects.get(db, project_id)
    policies.require(user, "task.list", project)  # any object of the project: not for annotators
    return _resolve(db, settings, user, project, fileuri, request)
