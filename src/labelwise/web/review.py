"""Page: the review screen (`/projects/{id}/review`), where reviewers accept, reject or fix annotations.

A shell like the labeling screen: tasks arrive through `GET /api/projects/{id}/next-review`, verdicts
leave through `POST /api/annotation-reviews`, so every rule (who may review, what a fix must satisfy)
is the API's and the page only shows its answers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.services import projects
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/review")
def review_screen(project_id: int, request: Request, user: PageUser, db: SessionDep) -> HTMLResponse:
    project = projects.get(db, project_id)
    policies.require(user, "review", project, db)
    data = {"project": {"id": project.id, "title": project.title}, "user": {"id": user.id}}
    return render(request, "review.html", project=project, active="review", data=data)
