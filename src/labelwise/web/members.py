"""Page: a project's members, their project roles, and adding or removing people.

Rendered on the server from one join; changes go through `/api/projects/{id}/members`, so the page and
scripts obey the same policy. Reviewers may look; only managers see the controls.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.db.models import User
from labelwise.services import gold, members, pauses, projects
from labelwise.services.errors import NotFound
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_CANDIDATES = 2000  # the add form lists people by e-mail; past this many, type the user id


@router.get("/projects/{project_id}/members")
def members_page(request: Request, project_id: int, user: PageUser, db: SessionDep) -> Response:
    try:
        project = projects.get(db, project_id)
        policies.require(user, "member.list", project, db)
    except NotFound:
        return render(request, "message.html", status_code=404, heading="Not found",
                      message=f"There is no project {project_id}.")  # fmt: skip
    rows = members.listing(db, project)
    manage = policies.allowed(user, "project.members", project, db)
    paused = pauses.active_in(db, project) if policies.allowed(user, "member.pause", project, db) else {}
    # Gold accuracy per annotator (managers): a column once anyone answered a gold task.
    scores = (
        {g["user"]: g for g in gold.listing(db, project)}
        if policies.allowed(user, "gold.manage", project, db)
        else {}
    )
    inside = {u.id for _, u in rows}
    candidates = (
        [
            {"id": u.id, "email": u.email, "role": u.role}
            for u in db.scalars(
                select(User).where(User.is_active.is_(True)).order_by(User.email).limit(MAX_CANDIDATES)
            )
            if u.id not in inside
        ]
        if manage
        else []
    )
    return render(
        request,
        "members.html",
        project=project,
        active="members",
        rows=[
            {
                "id": u.id,
                "email": u.email,
                "name": f"{u.first_name} {u.last_name}".strip(),
                "org_role": u.role,
                "role": m.role,
                "since": m.created_at,
                "pause": paused.get(u.id),
                "gold": scores.get(u.id),
            }
            for m, u in rows
        ],
        manage=manage,
        gold_column=bool(scores),
        candidates=candidates,
        roles=[r for r in members.PROJECT_ROLES if policies.can_assign_role(user, r)],
        page={"id": project.id},
    )
