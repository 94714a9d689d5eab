"""Page: `/activity`, the audit trail for admins — a filter form (user, project, action, dates), the
matching rows newest first, a page at a time. Rendered on the server from `services/activity.page`;
a plain GET form, so it needs no script."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.db.models import Project, User
from labelwise.services import activity
from labelwise.services.errors import Invalid
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
CHOICES = 1000  # users and projects offered in the form's menus


def _optional_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@router.get("/activity")
def activity_page(
    request: Request,
    user: PageUser,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    user_filter: Annotated[str | None, Query(alias="user", max_length=12)] = None,
    project: Annotated[str | None, Query(max_length=12)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if not policies.allowed(user, "activity.view"):
        return render(
            request,
            "message.html",
            status_code=403,
            heading="Not allowed",
            message="Only admins see the activity log.",
        )
    uid, pid = _optional_id(user_filter), _optional_id(project)
    text = {"action": action, "start_date": start_date, "end_date": end_date}
    form: dict[str, Any] = {"user": uid, "project": pid, **{k: (v or "").strip() for k, v in text.items()}}
    error = None
    try:
        f = activity.filters_from(uid, pid, form["action"], form["start_date"], form["end_date"], None)
    except Invalid as exc:
        error, f = exc.detail, activity.Filters(user=uid, project=pid)
    total, matching, rows = activity.page(db, f, page, PAGE_SIZE)
    titles = dict(
        db.execute(
            select(Project.id, Project.title).where(
                Project.id.in_({r.project_id for r in rows if r.project_id})
            )
        ).all()
    )
    entries = [
        {
            **activity.entry_json(r),
            "project_title": titles.get(r.project_id),
            "detail_text": _detail(r.detail),
        }
        for r in rows
    ]
    kept = {k: v for k, v in form.items() if v not in (None, "")}
    pages = max(1, -(-matching // PAGE_SIZE))
    return render(
        request,
        "activity.html",
        entries=entries,
        form=form,
        error=error,
        total=total,
        matching=matching,
        page=page,
        pages=pages,
        prev_url="/activity?" + urlencode({**kept, "page": page - 1}) if page > 1 else None,
        next_url="/activity?" + urlencode({**kept, "page": page + 1}) if page < pages else None,
        users=db.execute(select(User.id, User.email).order_by(User.email).limit(CHOICES)).all(),
        projects=db.execute(
            select(Project.id, Project.title).order_by(Project.id.desc()).limit(CHOICES)
        ).all(),
    )


def _detail(detail: Any) -> str:
    """The detail as compact JSON text (shown escaped, as text)."""
    if not detail:
        return ""
    return orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode()[:2000]
