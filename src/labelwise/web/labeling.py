"""Page: the labeling screen, where annotators spend their day.

The page is a shell: the instructions (Markdown sanitized on the server), the bars, and the facts the
script needs as JSON. Tasks themselves arrive through `GET /api/projects/{id}/next` and
`GET /api/tasks/{id}/editor`, so moving to the next task never reloads the page (and the next task
can be fetched while the annotator works on this one).

`?task=ID` opens that task first; `?ids=1,2,3` labels those tasks in that order (the data manager's
"label these"), then the screen goes on with the queue.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.ml import connections as ml_connections
from labelwise.services import annotations as annotation_service
from labelwise.services import projects, sanitizer
from labelwise.settings import Settings
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_IDS = 1000
HISTORY = 20


def _ids(text: str | None) -> list[int]:
    """`?ids=` as task ids in the given order; anything that is not an id is left out."""
    out: list[int] = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit() and len(part) <= 10 and int(part) not in out:
            out.append(int(part))
    return out[:MAX_IDS]


@router.get("/projects/{project_id}/label")
def labeling_screen(project_id: int, request: Request, user: PageUser, db: SessionDep) -> HTMLResponse:
    project = projects.get(db, project_id)
    policies.require(user, "annotate", project)
    settings: Settings = request.app.state.settings
    task = _ids(request.query_params.get("task"))[:1]
    data = {
        "project": {
            "id": project.id,
            "title": project.title,
            "show_skip_button": project.show_skip_button,
            "show_instruction": project.show_instruction,
        },
        "user": {"id": user.id},
        "ids": task + [i for i in _ids(request.query_params.get("ids")) if i not in task],
        "history": annotation_service.recent(db, project.id, user.id, HISTORY),
        "history_size": HISTORY,
        "lock_seconds": settings.lock_seconds,
        "ml": ml_connections.interactive(db, project),
    }
    instructions = Markup(sanitizer.markdown(project.expert_instruction or ""))
    return render(
        request, "labeling.html", project=project, active="label", data=data, instructions=instructions
    )
