"""What happened, for webhooks: services call `emit` inside their transaction.

Label Studio's action names (PROJECT_CREATED, TASKS_CREATED, ANNOTATION_CREATED, ANNOTATION_UPDATED,
ANNOTATIONS_DELETED, REVIEW_CREATED, …). The webhook helper fills this in; until then `emit` is a no-op
so callers can be written against it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Payload = Callable[[], dict[str, Any]]


def emit(db: Session, action: str, project_id: int | None, payload: Payload) -> None:
    """Queue deliveries of `action` to the project's webhooks, in the caller's transaction.

    `payload` is a callable so nothing is serialized when no webhook listens.
    """
    return None
