"""The activity log at Label Studio Enterprise's `/api/activity-logs/` (admins only): DataTables'
`{data, recordsTotal, recordsFiltered}`, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from labelwise import policies
from labelwise.api.deps import CurrentUser, SessionDep
from labelwise.api.history import IdQuery
from labelwise.api.limits import MAX_ID, MAX_PAGE
from labelwise.api.router import Router
from labelwise.services import activity
from labelwise.services.errors import Invalid

router = Router(tags=["activity"])

MAX_LOG_PAGE = 1000
_ORDERINGS = {"-datetime": True, "-id": True, "datetime": False, "id": False}


@router.get("/api/activity-logs")
def list_activity(
    user: CurrentUser,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=-1, le=MAX_LOG_PAGE)] = 100,
    user_filter: Annotated[int | None, Query(alias="user", ge=1, le=MAX_ID)] = None,
    user_id: IdQuery = None,
    project: IdQuery = None,
    project_id: IdQuery = None,
    action: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    search: str | None = None,
    ordering: str = "-datetime",
) -> dict[str, Any]:
    """`user`/`project` (or `user_id`/`project_id`), `start_date`/`end_date` (ISO-8601; a bare end
    date includes its day), `search` (a substring of action, e-mail or detail), `action` (ours:
    exact, or a prefix ending in a dot), `page`, `page_size` (-1: all)."""
    policies.require(user, "activity.view")
    if ordering not in _ORDERINGS:
        raise Invalid(f"ordering must be one of {', '.join(_ORDERINGS)}", {"ordering": ["unknown"]})
    if page_size == 0:
        raise Invalid("page_size must be -1 (all) or between 1 and 1000", {"page_size": ["0"]})
    f = activity.filters_from(
        user_filter or user_id, project or project_id, action, start_date, end_date, search
    )
    size = None if page_size == -1 else page_size
    total, matching, rows = activity.page(db, f, page, size, newest_first=_ORDERINGS[ordering])
    return {
        "data": [activity.entry_json(r) for r in rows],
        "recordsTotal": total,
        "recordsFiltered": matching,
        "page": page,
        "page_size": page_size,
    }
