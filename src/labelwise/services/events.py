"""What happened, for webhooks: services call `emit` inside their transaction (the outbox pattern).

`emit(db, "ANNOTATION_CREATED", project_id, payload)` writes one `webhook_deliveries` row (status
`pending`) per active webhook that listens: the project's own and the organization's (project
None), when the action is in its `actions` or it has `send_for_all_actions`. The rows commit or
roll back with the change they describe, so a receiver never hears of a write that did not happen
and a crash never loses an event; `services.deliveries` sends them afterwards.

Cost when nobody listens: none. Which webhooks are active is cached per process and database
(`active`), so the hot write paths (an annotation) run no extra statement. The cache is dropped at
once in the process that creates, changes or deletes a webhook (`forget`, after its commit); other
server processes see the change within `CACHE_SECONDS` (a short time-to-live rather than a shared
version counter, because reading a counter would itself be the query we avoid). An event fired in
another process in those few seconds after a webhook was created is not delivered to it.

`payload` is a callable, called at most once and only when some matching webhook has
`send_payload`, so nothing is serialized (or read) for webhooks that want only the action name.
Action names and payload shapes are Label Studio's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.models import Project, Webhook, WebhookDelivery

Payload = Callable[[], dict[str, Any]]

# Label Studio's webhook actions: name, description, organization-only (a project's own webhook
# cannot hear of projects being created).
ACTIONS: dict[str, tuple[str, str, bool]] = {
    "PROJECT_CREATED": ("Project created", "Fired when a project is created.", True),
    "PROJECT_UPDATED": ("Project updated", "Fired when a project's settings change.", False),
    "PROJECT_DELETED": ("Project deleted", "Fired when a project is deleted.", False),
    "TASKS_CREATED": ("Task created", "Fired when tasks are created (import, API).", False),
    "TASKS_DELETED": ("Task deleted", "Fired when tasks are deleted.", False),
    "ANNOTATION_CREATED": ("Annotation created", "Fired when an annotation is submitted.", False),
    "ANNOTATIONS_CREATED": ("Annotations created", "Fired when annotations are created in bulk.", False),
    "ANNOTATION_UPDATED": ("Annotation updated", "Fired when an annotation is updated.", False),
    "ANNOTATIONS_DELETED": ("Annotation deleted", "Fired when annotations are deleted.", False),
    "LABEL_LINK_CREATED": ("Label link created", "Fired when a label is linked to a project.", False),
    "LABEL_LINK_UPDATED": ("Label link updated", "Fired when a project's label link changes.", False),
    "LABEL_LINK_DELETED": ("Label link deleted", "Fired when a label is unlinked from a project.", False),
    "REVIEW_CREATED": (
        "Review created",
        "Fired when a reviewer accepts, rejects or fixes an annotation.",
        False,
    ),
    "REVIEW_UPDATED": ("Review updated", "Fired when a review changes.", False),
    "REVIEWS_DELETED": ("Review deleted", "Fired when reviews are deleted.", False),
    "MEMBER_PAUSED": (
        "Member paused",
        "Fired when an annotator is paused (by a manager or by gold accuracy).",
        False,
    ),
}

CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Listener:
    """An active webhook as `emit` needs it; no ORM object, so the cache is safe across threads."""

    id: int
    project_id: int | None
    actions: frozenset[str]
    all_actions: bool
    send_payload: bool

    def hears(self, action: str, project_id: int | None) -> bool:
        if self.project_id is not None and self.project_id != project_id:
            return False
        return self.all_actions or action in self.actions


_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[Listener, ...]]] = {}
_generation: dict[str, int] = {}


def _key(db: Session) -> str:
    bind = db.get_bind()
    return str(bind.engine.url)


def active(db: Session) -> tuple[Listener, ...]:
    """The active webhooks of the session's database, from the cache when it is fresh."""
    key = _key(db)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        generation = _generation.get(key, 0)
    rows = db.execute(
        select(
            Webhook.id,
            Webhook.project_id,
            Webhook.actions,
            Webhook.send_for_all_actions,
            Webhook.send_payload,
        ).where(Webhook.is_active.is_(True))
    )
    listeners = tuple(
        Listener(
            r.id, r.project_id, frozenset(r.actions or ()), bool(r.send_for_all_actions), bool(r.send_payload)
        )
        for r in rows
    )
    with _lock:
        # A webhook changed while we read: keep the answer out of the cache, it may be stale.
        if _generation.get(key, 0) == generation:
            _cache[key] = (now + CACHE_SECONDS, listeners)
    return listeners


def forget(db: Session) -> None:
    """Drop this process's cached answer; called by `services.webhooks` after its commit."""
    key = _key(db)
    with _lock:
        _cache.pop(key, None)
        _generation[key] = _generation.get(key, 0) + 1


_WAKE_KEY = "labelwise.webhooks_wake"
_wakers: list[Callable[[], None]] = []


def on_commit_wake(callback: Callable[[], None]) -> None:
    """Register what to call after a transaction that queued deliveries commits (the dispatcher)."""
    _wakers.append(callback)


def forget_waker(callback: Callable[[], None]) -> None:
    if callback in _wakers:
        _wakers.remove(callback)


def _wake_after_commit(db: Session) -> None:
    if db.info.get(_WAKE_KEY):
        return
    db.info[_WAKE_KEY] = True

    def wake(session: Session) -> None:
        session.info.pop(_WAKE_KEY, None)
        for callback in list(_wakers):
            callback()

    event.listen(db, "after_commit", wake, once=True)


def emit(db: Session, action: str, project_id: int | None, payload: Payload) -> None:
    """Queue deliveries of `action` to the webhooks that listen, in the caller's transaction."""
    listeners = [h for h in active(db) if h.hears(action, project_id)]
    if not listeners:
        return
    full: dict[str, Any] | None = None
    now = utcnow()
    rows = []
    for hook in listeners:
        if hook.send_payload:
            if full is None:
                full = {"action": action, **payload()}
            body = full
        else:
            body = {"action": action}
        rows.append(
            {
                "webhook_id": hook.id,
                "action": action,
                "payload": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "error": "",
                "created_at": now,
            }
        )
    db.execute(insert(WebhookDelivery), rows)
    _wake_after_commit(db)


def project_json(p: Project) -> dict[str, Any]:
    """The project as webhook payloads carry it (Label Studio's project fields that matter to a receiver)."""
    return {
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "label_config": p.label_config,
        "expert_instruction": p.expert_instruction,
        "maximum_annotations": p.maximum_annotations,
        "is_published": p.is_published,
        "created_by": p.created_by_id,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "task_number": p.task_number,
        "total_annotations_number": p.total_annotations_number,
        "num_tasks_with_annotations": p.num_tasks_with_annotations,
        "organization": 1,
    }


def project_of(db: Session, project_id: int) -> dict[str, Any]:
    project = db.get(Project, project_id)
    return project_json(project) if project is not None else {"id": project_id}


def annotation_payload(db: Session, annotation: Any, project_id: int, task_id: int) -> Payload:
    """ANNOTATION_CREATED / ANNOTATION_UPDATED: the annotation, its task and project (Label Studio's shape)."""
    from labelwise.db.models import Task
    from labelwise.io import ls_json

    def build() -> dict[str, Any]:
        task = db.get(Task, task_id)
        return {
            "annotation": ls_json.annotation(annotation),
            "task": ls_json.task(task, None, None) if task is not None else {"id": task_id},
            "project": project_of(db, project_id),
        }

    return build


def deleted_payload(db: Session, key: str, ids: Callable[[], list[int]], project_id: int) -> Payload:
    """TASKS_DELETED / ANNOTATIONS_DELETED / REVIEWS_DELETED: `{key: [{"id": …}], "project": …}`."""
    return lambda: {key: [{"id": i} for i in ids()], "project": project_of(db, project_id)}


def project_payload(project: Project) -> Payload:
    return lambda: {"project": project_json(project)}


# A TASKS_CREATED payload carries full task objects up to this many tasks; a bigger import sends
# only their ids, so one import of a million tasks never builds a payload of a million objects.
MAX_PAYLOAD_TASKS = 1000


def tasks_created_payload(db: Session, project_id: int, task_ids: list[int]) -> Payload:
    from labelwise.db.models import Task
    from labelwise.io import ls_json

    def build() -> dict[str, Any]:
        if len(task_ids) > MAX_PAYLOAD_TASKS:
            tasks: list[dict[str, Any]] = [{"id": i} for i in task_ids]
        else:
            rows = db.scalars(select(Task).where(Task.id.in_(task_ids)).order_by(Task.id))
            tasks = [ls_json.task(t, None, None) for t in rows]
        return {"tasks": tasks, "project": project_of(db, project_id)}

    return build


def imported_annotations_payload(db: Session, project_id: int, import_id: int) -> Payload:
    """ANNOTATIONS_CREATED for the annotations an import brought: full objects up to
    `MAX_PAYLOAD_TASKS`, else their ids only (the same bound as TASKS_CREATED)."""
    from labelwise.db.models import Annotation
    from labelwise.io import ls_json

    def build() -> dict[str, Any]:
        where = (Annotation.project_id == project_id, Annotation.import_id == import_id)
        ids = list(db.scalars(select(Annotation.id).where(*where).order_by(Annotation.id)))
        if len(ids) > MAX_PAYLOAD_TASKS:
            annotations: list[dict[str, Any]] = [{"id": i} for i in ids]
        else:
            rows = db.scalars(select(Annotation).where(*where).order_by(Annotation.id))
            annotations = [ls_json.annotation(a) for a in rows]
        return {"annotations": annotations, "project": project_of(db, project_id)}

    return build
