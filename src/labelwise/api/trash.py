"""The trash (Labelwise's own, admins only): deletions of the last `LABELWISE_TRASH_DAYS` days and
restoring one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep, SettingsDep
from labelwise.api.history import IdQuery, page_links
from labelwise.api.limits import MAX_PAGE
from labelwise.api.router import Router
from labelwise.services import projects, trash

router = Router(tags=["trash"])


@router.get("/api/trash")
def list_trash(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    project: IdQuery = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Deletions newest first (restored and purged ones too, with their state), `?project=` narrows."""
    policies.require(user, "trash.restore", projects.get(db, project) if project is not None else None, db)
    count, rows, held = trash.page(db, project, page, page_size)
    nxt, prev = page_links(request, page, page_size, count)
    results = [trash.deletion_json(d, held[d.id], settings.trash_days) for d in rows]
    return {"count": count, "next": nxt, "previous": prev, "results": results}


@router.post("/api/trash/{deletion_id}/restore")
def restore(deletion_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    deletion = trash.get(db, deletion_id)
    project = projects.get(db, deletion.project_id) if deletion.project_id is not None else None
    policies.require(user, "trash.restore", project, db)
    return trash.restore(db, deletion.id, user)
