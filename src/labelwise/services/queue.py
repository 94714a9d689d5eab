"""Which task an annotator labels next.

Rules: never a task the annotator already annotated or skipped; never more copies of a task in
flight than the overlap still needs (`maximum_annotations` minus finished annotations, minus
other people's unexpired locks); an annotator asking again gets the task they already hold.
A handed-out task is leased with a lock that expires, is released on submit or skip, and is
ignored once expired.

Concurrency: choosers of one project are serialized: on SQLite by the write transaction (BEGIN
IMMEDIATE), on PostgreSQL by a transaction-scoped advisory lock on the project. Row locks with SKIP
LOCKED are not enough under READ COMMITTED: a chooser whose snapshot predates another's commit
would not see that commit's lease and could hand out the same task twice. Choosing takes a few
milliseconds, so serializing per project still allows hundreds of hand-outs a second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, Project, Task, TaskLock, User

ADVISORY_QUEUE = 7001  # advisory lock namespace for the queue


def _held(db: Session, project: Project, user: User, now: datetime) -> Task | None:
    q = (
        select(Task)
        .join(TaskLock, TaskLock.task_id == Task.id)
        .where(
            TaskLock.user_id == user.id,
            TaskLock.expire_at > now,
            Task.project_id == project.id,
            Task.is_labeled.is_(False),
            ~exists().where(Annotation.task_id == Task.id, Annotation.completed_by_id == user.id),
        )
        .order_by(Task.id)
        .limit(1)
    )
    return db.scalar(q)


def next_task(db: Session, project: Project, user: User, lock_seconds: int) -> Task | None:
    begin_write(db)
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_advisory_xact_lock(ADVISORY_QUEUE, project.id)))
    now = datetime.now(UTC)
    held = _held(db, project, user, now)
    if held is not None:
        return held
    others_locks = (
        select(func.count())
        .select_from(TaskLock)
        .where(TaskLock.task_id == Task.id, TaskLock.expire_at > now, TaskLock.user_id != user.id)
        .scalar_subquery()
    )
    q = (
        select(Task)
        .where(
            Task.project_id == project.id,
            Task.is_labeled.is_(False),
            ~exists().where(Annotation.task_id == Task.id, Annotation.completed_by_id == user.id),
            Task.total_annotations + others_locks < project.maximum_annotations,
        )
        .order_by(Task.id)
        .limit(1)
    )
    task = db.scalar(q)
    if task is None:
        db.commit()
        return None
    db.execute(delete(TaskLock).where(and_(TaskLock.task_id == task.id, TaskLock.user_id == user.id)))
    db.execute(
        insert(TaskLock).values(
            task_id=task.id, user_id=user.id, expire_at=now + timedelta(seconds=lock_seconds)
        )
    )
    db.commit()
    return task


_LOCKS = TaskLock.__table__.c
_RELEASE = delete(TaskLock.__table__).where(
    _LOCKS.task_id == bindparam("tid"), _LOCKS.user_id == bindparam("uid")
)


def release(db: Session, task_id: int, user_id: int) -> None:
    """Drop the annotator's lease; runs inside the caller's (annotation) transaction."""
    db.connection().execute(_RELEASE, {"tid": task_id, "uid": user_id})
