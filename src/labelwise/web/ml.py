"""Page: a project's model connections (`/projects/{id}/models`), for its managers.

Rendered on the server from the connections and each one's newest run (two queries), and the comparison of
the stored model versions (`ml/versions.py`, a bounded number of queries); every change
(add, validate, run, cancel, delete) goes through `/api/ml`, so the page obeys the same policy and
checks as scripts. The page's module polls a running run for its progress bar.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.ml import connections, runs, versions
from labelwise.services import projects
from labelwise.services.errors import NotFound
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/models")
def models_page(request: Request, project_id: int, user: PageUser, db: SessionDep) -> Response:
    try:
        project = projects.get(db, project_id)
        policies.require(user, "ml.manage", project, db)
    except NotFound:
        return render(request, "message.html", status_code=404, heading="Not found",
                      message=f"There is no project {project_id}.")  # fmt: skip
    latest = runs.latest_runs(db, project)
    rows = []
    for row in connections.listing(db, project):
        item = connections.out(row)
        job = latest.get(row.id)
        item["run"] = runs.job_out(job) if job is not None else None
        rows.append(item)
    return render(
        request,
        "ml.html",
        project=project,
        active="models",
        rows=rows,
        comparison=versions.compare(db, project),
        page={"id": project.id, "connections": rows},
    )
