"""Saved data-manager views (Label Studio's tabs, `/api/dm/views`): one row per tab of a project.

A view's `data` is Label Studio's object (`title`, `filters`, `ordering`, `hiddenColumns`, and
whatever else its front end keeps there, such as column widths). The parts that reach SQL — filters
and ordering — are checked through `services.filters` when the view is saved, so a stored view
always runs; the rest is kept as given, within a size bound.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from labelwise.db.engine import affected, begin_write
from labelwise.db.models import Project, User, View
from labelwise.services import activity, checks, filters
from labelwise.services.errors import Invalid, NotFound

MAX_DATA_BYTES = 64 * 1024
MAX_TITLE = 200
MAX_VIEWS = 200


def list_for(db: Session, project: Project) -> list[View]:
    return list(db.scalars(select(View).where(View.project_id == project.id).order_by(View.order, View.id)))


def get(db: Session, view_id: int) -> View:
    view = db.get(View, view_id) if checks.is_id(view_id) else None
    if view is None:
        raise NotFound(f"view {view_id} not found")
    return view


def clean(data: Any) -> dict[str, Any]:
    """A view's `data` checked: an object of bounded size; title text; filters and ordering that
    `services.filters` accepts (unknown fields are a 400 naming them); hiddenColumns lists of names."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid("data must be an object", {"data": ["expected an object"]})
    if len(orjson.dumps(data)) > MAX_DATA_BYTES:
        raise Invalid(f"data must be at most {MAX_DATA_BYTES} bytes of JSON", {"data": ["too large"]})
    out = dict(data)
    out["title"] = checks.text(data.get("title", "Tab"), "title", MAX_TITLE).strip() or "Tab"
    filters.conditions(data.get("filters"), "filters")
    filters.ordering(data.get("ordering"), "ordering")
    hidden = data.get("hiddenColumns")
    if hidden is not None:
        ok = isinstance(hidden, dict) and all(
            isinstance(v, list) and all(isinstance(c, str) and len(c) <= 200 for c in v)
            for v in hidden.values()
        )
        if not ok:
            raise Invalid(
                "hiddenColumns must be {explore: [column names], labeling: [column names]}",
                {"hiddenColumns": ["expected an object of lists of column names"]},
            )
    return out


def create(db: Session, project: Project, user: User, data: Any) -> View:
    begin_write(db)
    cleaned = clean(data)
    n, last = db.execute(
        select(func.count(), func.coalesce(func.max(View.order), -1)).where(View.project_id == project.id)
    ).one()
    if n >= MAX_VIEWS:
        raise Invalid(f"a project has at most {MAX_VIEWS} views", {"project": ["too many views"]})
    view = View(project_id=project.id, user_id=user.id, data=cleaned, order=int(last) + 1)
    db.add(view)
    db.flush()
    activity.record(db, user, "view.created", "view", view.id, None, project.id)
    db.commit()
    return view


def update(db: Session, view: View, user: User, data: Any) -> View:
    """Replace the view's data (Label Studio's PATCH and PUT both send the whole `data`)."""
    begin_write(db)
    view.data = clean(data)
    activity.record(db, user, "view.updated", "view", view.id, None, view.project_id)
    db.commit()
    return view


def remove(db: Session, view: View, user: User) -> None:
    begin_write(db)
    db.execute(delete(View).where(View.id == view.id))
    activity.record(db, user, "view.deleted", "view", view.id, None, view.project_id)
    db.commit()


def reset(db: Session, project: Project, user: User) -> int:
    """Delete every view of the project (Label Studio's `DELETE /api/dm/views/reset/`)."""
    begin_write(db)
    n = affected(db.execute(delete(View).where(View.project_id == project.id)))
    activity.record(db, user, "views.reset", "project", project.id, {"views": n}, project.id)
    db.commit()
    return int(n)


def reorder(db: Session, project: Project, user: User, ids: Any) -> None:
    """Tabs in the order of `ids` (every id a view of this project); views not named keep their
    relative order after them."""
    if not isinstance(ids, list) or not all(checks.is_id(i) for i in ids) or len(set(ids)) != len(ids):
        raise Invalid("ids must be a list of distinct view ids", {"ids": ["expected a list of view ids"]})
    begin_write(db)
    views = list_for(db, project)
    known = {v.id: v for v in views}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise Invalid(
            f"views {', '.join(map(str, unknown[:10]))} are not views of project {project.id}",
            {"ids": [f"unknown view {i}" for i in unknown[:10]]},
        )
    rest = [v for v in views if v.id not in set(ids)]
    for position, view in enumerate([known[i] for i in ids] + rest):
        view.order = position
    activity.record(db, user, "views.reordered", "project", project.id, None, project.id)
    db.commit()


def out(view: View) -> dict[str, Any]:
    """Label Studio's view object."""
    data = view.data or {}
    return {
        "id": view.id,
        "project": view.project_id,
        "user": view.user_id,
        "order": view.order,
        "data": data,
        "ordering": data.get("ordering"),
        "selected_items": None,
        "filter_group": None,
        "is_locked": False,
        "locked_at": None,
        "locked_by": None,
    }
