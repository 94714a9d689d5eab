"""`GET /api/tasks/{id}/editor`: one task as the labeling editor needs it (schema, sanitized data)."""

from __future__ import annotations

from typing import Any

from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.router import Router
from labelwise.services import access, consensus, editor_data, projects, tasks

router = Router(tags=["editor"])


@router.get("/api/tasks/{task_id}/editor")
def task_for_editor(task_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    task = tasks.get(db, task_id)
    project = projects.get(db, task.project_id)
    access.require_task(db, user, project, task.id)
    body = editor_data.payload(db, project, task.id, user)
    access.trim(db, user, project, body["task"])
    consensus.attach(db, user, project, [body["task"]])  # shown in the editor's side panel
    return body
