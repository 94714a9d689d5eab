"""Pages: the data manager (`/projects/{id}/data`), a project's landing page.

The page is a shell: the table, tabs, filters and import dialog are built by
`static/pages/datamanager.js` from the REST API (`/api/dm/views`, `/api/tasks`, `/api/dm/actions`,
`/api/projects/{id}/import`). The server hands it only what the API would take a round trip for:
the project, the config's `$keys` (one column each) and what the user's role may do, as JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.db.models import Project, User
from labelwise.services import projects
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}")
def project_home(project_id: int, request: Request) -> RedirectResponse:
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/projects/{project_id}/data{query}", status_code=303)


def _page_data(project: Project, user: User, open_import: bool) -> dict[str, Any]:
    schema = projects.schema(project)
    return {
        "project": {"id": project.id, "title": project.title, "task_number": project.task_number},
        "columns": list(schema.data_keys),
        "user": {"id": user.id},
        "can": {
            "change_views": policies.allowed(user, "task.change", project),
            "delete_tasks": policies.allowed(user, "task.delete", project),
            "delete_annotations": policies.allowed(user, "annotation.change_any", project),
            "delete_predictions": policies.allowed(user, "prediction.change", project),
            "gold": policies.allowed(user, "gold.manage", project),
            "export": policies.allowed(user, "project.export", project),
            "import": policies.allowed(user, "project.import", project),
            "annotate": policies.allowed(user, "annotate", project),
            "assign": policies.allowed(user, "task.assign", project),
        },
        "open_import": open_import,
    }


@router.get("/projects/{project_id}/data")
def data_manager(project_id: int, request: Request, user: PageUser, db: SessionDep) -> HTMLResponse:
    project = projects.get(db, project_id)
    policies.require(user, "task.list", project)
    open_import = request.query_params.get("import") in ("1", "true")
    data = _page_data(project, user, open_import)
    return render(request, "datamanager.html", project=project, active="data", data=data)
