"""`GET /tasks/{id}/media?fileuri=<base64>`: a plain http(s) media URL of a task, fetched for the caller.

The editor payload points the browser here for every http(s) media URL (`services.media_proxy`). The
caller must be allowed to view the task's project and the URL must be one the task's data names under
a media tag of the project's config, so this is no open proxy. The body streams as it arrives, with a
Range passed through (audio and video players seek with it) and `nosniff`.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from labelwise.api.deps import CurrentUser, SessionDep, SettingsDep
from labelwise.api.media import HEADERS
from labelwise.api.router import Router
from labelwise.services import access, media_proxy, projects, tasks
from labelwise.services.errors import Invalid, NotFound

router = Router(tags=["media"])


@router.get("/tasks/{task_id}/media")
def task_media(
    task_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    fileuri: str = "",
) -> Response:
    task = tasks.get(db, task_id)
    project = projects.get(db, task.project_id)
    access.require_task(db, user, project, task.id)
    if not fileuri:
        raise Invalid("fileuri: give the media URL (base64)", {"fileuri": ["required"]})
    url = media_proxy.decode(fileuri)
    media_proxy.check_url(url)
    keys = media_proxy.media_keys(projects.schema_of(project.label_config))
    if not media_proxy.names(keys, task.data or {}, url):
        raise NotFound("that URL is not media of this task")
    db.close()  # the database is done with; the download may take a while
    proxied = media_proxy.open_media(settings, url, request.headers.get("range"))

    def body() -> Iterator[bytes]:
        try:
            yield from proxied.body
        finally:
            proxied.close()

    headers = {**HEADERS, **proxied.headers}
    return StreamingResponse(
        body(), status_code=proxied.status, media_type=proxied.media_type, headers=headers
    )
