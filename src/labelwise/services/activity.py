"""The audit trail: one append-only row per meaningful action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from labelwise.db.base import table, utcnow
from labelwise.db.models import Activity
from labelwise.db.prepared import Prepared

if TYPE_CHECKING:
    from labelwise.db.models import User

# Compiled once (see `db.prepared`): every write path records activity.
_COLUMNS = ("created_at", "user_id", "project_id", "action", "object_type", "object_id", "detail")
_INSERT = Prepared(insert(table(Activity)), _COLUMNS)


def record(
    db: Session,
    user: User | None,
    action: str,
    object_type: str = "",
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    project_id: int | None = None,
) -> None:
    """Write in the caller's transaction, so the trail and the change commit or fail together."""
    _INSERT.run(
        db,
        {
            "created_at": utcnow(),
            "user_id": user.id if user is not None else None,
            "project_id": project_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "detail": detail or {},
        },
    )
