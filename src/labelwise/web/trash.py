"""Page: `/trash`, deletions of the last `LABELWISE_TRASH_DAYS` days for admins, each with a Restore
button (`static/pages/trash.js` posts `/api/trash/{id}/restore`); `?project=` narrows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from labelwise import policies
from labelwise.api.deps import SessionDep, SettingsDep
from labelwise.db.models import Project, User
from labelwise.services import trash
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/trash")
def trash_page(
    request: Request,
    user: PageUser,
    db: SessionDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    project: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    if not policies.allowed(user, "trash.restore"):
        return render(
            request,
            "message.html",
            status_code=403,
            heading="Not allowed",
            message="Only admins see the trash.",
        )
    count, rows, held = trash.page(db, project, page, PAGE_SIZE)
    project_ids = {d.project_id for d in rows if d.project_id}
    user_ids = {d.deleted_by_id for d in rows if d.deleted_by_id} | {
        d.restored_by_id for d in rows if d.restored_by_id
    }
    titles: dict[int | None, str] = dict(
        db.execute(select(Project.id, Project.title).where(Project.id.in_(project_ids))).all()
    )
    emails: dict[int | None, str] = dict(
        db.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all()
    )
    entries = [
        {
            **trash.deletion_json(d, held[d.id], settings.trash_days),
            "project_title": titles.get(d.project_id),
            "deleted_by_email": emails.get(d.deleted_by_id),
            "restored_by_email": emails.get(d.restored_by_id),
        }
        for d in rows
    ]
    pages = max(1, -(-count // PAGE_SIZE))
    base = f"/trash?project={project}&page=" if project else "/trash?page="
    return render(
        request,
        "trash.html",
        entries=entries,
        count=count,
        page=page,
        pages=pages,
        days=settings.trash_days,
        prev_url=f"{base}{page - 1}" if page > 1 else None,
        next_url=f"{base}{page + 1}" if page < pages else None,
    )
