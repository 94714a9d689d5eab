"""The audit trail: one append-only row per meaningful action, and reading it back for admins.

Rows are never changed or removed (database triggers refuse UPDATE and DELETE); there is no code path
that tries. Sign-in rows carry the request's address and user agent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast, func, insert, or_, select
from sqlalchemy.orm import Session

from labelwise.db.base import table, utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Activity
from labelwise.db.models import User as UserRow
from labelwise.db.prepared import Prepared
from labelwise.services.errors import Invalid

if TYPE_CHECKING:
    from labelwise.db.models import User

# Compiled once (see `db.prepared`): every write path records activity.
_COLUMNS = ("created_at", "user_id", "project_id", "action", "object_type", "object_id", "detail")
_INSERT = Prepared(insert(table(Activity)), _COLUMNS)
_INSERT_FROM = Prepared(insert(table(Activity)), (*_COLUMNS, "ip_address", "user_agent"))
MAX_IP, MAX_AGENT = 64, 255


def record(
    db: Session,
    user: User | None,
    action: str,
    object_type: str = "",
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    project_id: int | None = None,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> None:
    """Write in the caller's transaction, so the trail and the change commit or fail together.
    `ip_address` and `user_agent` (sign-ins) are cut to their columns' lengths."""
    row = {
        "created_at": utcnow(),
        "user_id": user.id if user is not None else None,
        "project_id": project_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail or {},
    }
    if ip_address is None and user_agent is None:
        _INSERT.run(db, row)
        return
    clean = {"ip_address": _clean(ip_address, MAX_IP), "user_agent": _clean(user_agent, MAX_AGENT)}
    _INSERT_FROM.run(db, {**row, **clean})


def record_apart(
    factory: Callable[[], Session],
    user: User | None,
    action: str,
    object_type: str = "",
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    project_id: int | None = None,
) -> None:
    """Record in a short write transaction of its own: for actions served by a read-only request
    (a streamed export), which has no transaction of its own to join."""
    db = factory()
    try:
        begin_write(db)
        record(db, user, action, object_type, object_id, detail, project_id)
        db.commit()
    finally:
        db.close()


def _clean(value: str | None, limit: int) -> str:
    return (value or "").replace("\x00", "")[:limit]


@dataclass(frozen=True)
class Filters:
    """What an admin narrows the trail to; every field optional."""

    user: int | None = None
    project: int | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("annotation.")
    start: datetime | None = None
    end: datetime | None = None  # inclusive
    search: str | None = None  # a substring of the action, the e-mail or the detail


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(f: Filters) -> list[Any]:
    a = table(Activity).c
    out: list[Any] = []
    if f.user is not None:
        out.append(a.user_id == f.user)
    if f.project is not None:
        out.append(a.project_id == f.project)
    if f.action:
        if f.action.endswith("."):
            out.append(a.action.like(_escape(f.action) + "%", escape="\\"))
        else:
            out.append(a.action == f.action)
    if f.start is not None:
        out.append(a.created_at >= f.start)
    if f.end is not None:
        out.append(a.created_at <= f.end)
    if f.search:
        pattern = "%" + _escape(f.search.lower()) + "%"
        fields = (a.action, cast(a.detail, Text), table(UserRow).c.email)
        out.append(or_(*(func.lower(x).like(pattern, escape="\\") for x in fields)))
    return out


def page(
    db: Session, f: Filters, page_number: int, page_size: int | None, newest_first: bool = True
) -> tuple[int, int, list[Any]]:
    """(rows in the trail, rows matching, the page's rows with the user's e-mail); no page size = all."""
    a, u = table(Activity), table(UserRow)
    joined = a.outerjoin(u, u.c.id == a.c.user_id)
    where = _conditions(f)
    total = int(db.execute(select(func.count()).select_from(a)).scalar_one())
    matching = total
    if where:
        matching = int(db.execute(select(func.count()).select_from(joined).where(*where)).scalar_one())
    q = select(a, u.c.email.label("email")).select_from(joined).where(*where)
    q = q.order_by(a.c.id.desc() if newest_first else a.c.id)
    if page_size is not None:
        q = q.offset((page_number - 1) * page_size).limit(page_size)
    return total, matching, list(db.execute(q))


def entry_json(row: Any) -> dict[str, Any]:
    """Label Studio Enterprise's `ActivityLog` (request-level fields Labelwise does not keep are null),
    plus the action, its object and detail (Labelwise records actions, not requests)."""
    detail = row.detail if isinstance(row.detail, dict) else {}
    return {
        "id": row.id,
        "datetime": row.created_at,
        "user_id": row.user_id,
        "email": row.email or detail.get("email") or "",
        "project_id": row.project_id,
        "organization_id": None,
        "workspace_owner_id": None,
        "ip_address": row.ip_address or None,
        "user_agent": row.user_agent or None,
        "request_method": None,
        "request_url": None,
        "response_code": None,
        "duration": None,
        "http_referer": None,
        "user_session": None,
        "extra_data": detail,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "detail": detail,
    }


def moment(value: str | None, field: str, end: bool = False) -> datetime | None:
    """An ISO-8601 date or date-time from a query (naive means UTC); a bare date as an `end` bound
    covers that whole day."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise Invalid(f"{field} must be an ISO-8601 date or date-time", {field: ["invalid date"]}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end and len(value.strip()) == 10:
        parsed += timedelta(days=1, microseconds=-1)
    return parsed


def filters_from(
    user: int | None,
    project: int | None,
    action: str | None,
    start_date: str | None,
    end_date: str | None,
    search: str | None,
) -> Filters:
    """Query values → Filters; bad dates and over-long text are 400s naming the field."""
    if action is not None and len(action) > 60:
        raise Invalid("action must have at most 60 characters", {"action": ["too long"]})
    if search is not None and len(search) > 200:
        raise Invalid("search must have at most 200 characters", {"search": ["too long"]})
    return Filters(
        user=user,
        project=project,
        action=action or None,
        start=moment(start_date, "start_date"),
        end=moment(end_date, "end_date", end=True),
        search=(search or "").replace("\x00", "") or None,
    )
