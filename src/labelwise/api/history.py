"""Annotation history at Label Studio Enterprise's paths (`/api/annotation-history/`,
`/api/projects/{id}/annotation-history/`), plus restoring an entry (Labelwise's own)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.limits import MAX_ID, MAX_PAGE
from labelwise.api.router import Router
from labelwise.services import history, projects
from labelwise.services.errors import Invalid

router = Router(tags=["annotation history"])

MAX_HISTORY_PAGE = 1000
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
_ORDERINGS = {"id": False, "created_at": False, "-id": True, "-created_at": True}


def page_links(request: Request, page: int, page_size: int, count: int) -> tuple[str | None, str | None]:
    """Label Studio's `next` and `previous`: this URL with another page number, or null."""
    nxt = str(request.url.include_query_params(page=page + 1)) if page * page_size < count else None
    prev = str(request.url.include_query_params(page=page - 1)) if page > 1 else None
    return nxt, prev


@router.get("/api/annotation-history")
def list_history(
    user: CurrentUser, db: SessionDep, annotation: IdQuery = None, ordering: str = "id"
) -> list[dict[str, Any]]:
    """Every entry of one annotation (it may have been deleted since), oldest first by default."""
    if annotation is None:
        raise Invalid("name the annotation with ?annotation=ID", {"annotation": ["required"]})
    if ordering not in _ORDERINGS:
        raise Invalid(f"ordering must be one of {', '.join(_ORDERINGS)}", {"ordering": ["unknown"]})
    who = history.subject(db, annotation)
    history.require_readable(db, user, who)
    rows = history.for_annotation(db, who.annotation_id, newest_first=_ORDERINGS[ordering])
    return [history.entry_json(h) for h in rows]


@router.get("/api/annotation-history/{entry_id}")
def get_entry(entry_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    entry = history.get(db, entry_id)
    history.require_readable(db, user, history.subject(db, entry.annotation_id))
    return history.entry_json(entry)


@router.delete("/api/annotation-history")
def delete_history(
    user: CurrentUser,
    db: SessionDep,
    annotation: IdQuery = None,
    task: IdQuery = None,
    project: IdQuery = None,
) -> dict[str, Any]:
    """Label Studio's `{removed: n}`; exactly one of annotation, task, project names the rows."""
    column, value, project_id = history.scope(db, annotation, task, project)
    policies.require(user, "annotation.history", projects.get(db, project_id), db)
    return {"removed": history.remove(db, user, column, value, project_id)}


@router.post("/api/annotation-history/{entry_id}/restore")
def restore_entry(entry_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """The annotation's result becomes this entry's; a deleted annotation comes back with its id."""
    entry = history.get(db, entry_id)
    policies.require(user, "annotation.history", projects.get(db, entry.project_id), db)
    return history.restore(db, entry, user)


@router.get("/api/projects/{project_id}/annotation-history")
def project_history(
    project_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_HISTORY_PAGE)] = 100,
    annotation: IdQuery = None,
    task: IdQuery = None,
    user_id: Annotated[int | None, Query(alias="user", ge=1, le=MAX_ID)] = None,
    created_at_from: datetime | None = None,
    created_at_to: datetime | None = None,
) -> dict[str, Any]:
    """Label Studio's paginated list (`count`, `next`, `previous`, `results`), newest first."""
    proj = projects.get(db, project_id)
    policies.require(user, "annotation.history", proj, db)
    filters = history.Filters(annotation, task, user_id, created_at_from, created_at_to)
    count, rows = history.project_page(db, proj, filters, page, page_size)
    nxt, prev = page_links(request, page, page_size, count)
    return {"count": count, "next": nxt, "previous": prev, "results": [history.entry_json(h) for h in rows]}
