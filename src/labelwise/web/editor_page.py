"""Page: one task in the labeling editor, with a Save button (`/projects/{pid}/tasks/{tid}/editor`).

The editor's own page, outside the labeling queue: it opens the signed-in user's latest annotation of the
task (or nothing) and saves through the REST API from the browser, so the rules (result validation, the
400 naming the field) are the API's and nothing is duplicated here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.services import consensus, editor_data, projects, tasks
from labelwise.services.errors import NotFound
from labelwise.web import templating
from labelwise.web.session import PageUser

router = APIRouter(include_in_schema=False)


def latest_annotation(task: dict[str, Any], user_id: int) -> dict[str, Any] | None:
    """The user's most recent annotation of the task: what the page opens and then updates."""
    mine = [a for a in task.get("annotations") or [] if a.get("completed_by") == user_id]
    return max(mine, key=lambda a: a["id"]) if mine else None


@router.get("/projects/{project_id}/tasks/{task_id}/editor")
def task_editor(
    project_id: int, task_id: int, request: Request, user: PageUser, db: SessionDep
) -> HTMLResponse:
    project = projects.get(db, project_id)
    policies.require(user, "task.view", project)
    task = tasks.get(db, task_id)
    if task.project_id != project.id:
        raise NotFound(f"task {task_id} is not in project {project_id}")
    data = editor_data.payload(db, project, task.id)
    consensus.attach(db, user, project, [data["task"]])
    annotation = latest_annotation(data["task"], user.id)
    data["annotation"] = {"id": annotation["id"], "result": annotation["result"]} if annotation else None
    data["can_annotate"] = policies.allowed(user, "annotate", project)
    return templating.render(request, "editor_page.html", project=project, task_id=task.id, data=data)
