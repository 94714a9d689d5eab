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

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from labelwise.db.base import table
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, Project, Task, TaskLock, User
from labelwise.db.prepared import Prepared
from labelwise.services.errors import Invalid

ADVISORY_QUEUE = 7001  # advisory lock namespace for the queue


_T = table(Task).c
_L = table(TaskLock).c
_A = table(Annotation).c
_NOT_MINE = ~exists().where(_A.task_id == _T.id, _A.completed_by_id == bindparam("uid"))
# Statements are built once with bind parameters: `next` is called for every task labeled.
# A user's own unexpired leases: a handful of rows found through the user index. Kept apart from
# the tasks scan on purpose: joined into one query, SQLite's planner may walk the whole queue index.
_MY_LEASES = select(_L.task_id).where(_L.user_id == bindparam("uid"), _L.expire_at > bindparam("now"))
_HELD = (
    select(_T.id)
    .where(
        _T.id.in_(bindparam("leased", expanding=True)),
        _T.project_id == bindparam("pid"),
        _T.is_labeled.is_(False),
        _NOT_MINE,
    )
    .order_by(_T.id)
    .limit(1)
)
_OTHERS_LOCKS = (
    select(func.count())
    .select_from(table(TaskLock))
    .where(_L.task_id == _T.id, _L.expire_at > bindparam("now"), _L.user_id != bindparam("uid"))
    .scalar_subquery()
)
_CANDIDATE = (
    select(_T.id)
    .where(
        _T.project_id == bindparam("pid"),
        _T.is_labeled.is_(False),
        _NOT_MINE,
        _T.total_annotations + _OTHERS_LOCKS < bindparam("overlap"),
    )
    .order_by(_T.id)
    .limit(1)
)
# The labeling screen prefetches the task after the one on screen: it asks `next` excluding the task it
# shows (which it holds a lease on), so it gets the following task leased too. Built apart so the
# everyday statement stays the simplest one.
_CANDIDATE_EXCEPT = _CANDIDATE.where(_T.id.not_in(bindparam("exclude", expanding=True)))
_DROP_MINE = delete(table(TaskLock)).where(_L.task_id == bindparam("tid"), _L.user_id == bindparam("uid"))
_LEASE = insert(table(TaskLock))


def next_task(
    db: Session, project: Project, user: User, lock_seconds: int, exclude: Collection[int] = ()
) -> int | None:
    """The id of the task this annotator should label now, leased to them; None when done.

    `exclude`: tasks not to hand out this time (the one the screen already shows, when it prefetches
    the next). A held lease on an excluded task is kept: the annotator is still working on it.
    """
    begin_write(db)
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(ADVISORY_QUEUE, project.id)))
    now = datetime.now(UTC)
    params = {"uid": user.id, "pid": project.id, "now": now, "overlap": project.maximum_annotations}
    skip = set(exclude)
    leased = [t for t in conn.execute(_MY_LEASES, params).scalars() if t not in skip]
    held = conn.execute(_HELD, {**params, "leased": leased}).scalar() if leased else None
    if held is not None:
        db.commit()
        return int(held)
    if skip:
        task_id = conn.execute(_CANDIDATE_EXCEPT, {**params, "exclude": sorted(skip)}).scalar()
    else:
        task_id = conn.execute(_CANDIDATE, params).scalar()
    if task_id is None:
        db.commit()
        return None
    conn.execute(_DROP_MINE, {"tid": task_id, "uid": user.id})
    conn.execute(
        _LEASE, {"task_id": task_id, "user_id": user.id, "expire_at": now + timedelta(seconds=lock_seconds)}
    )
    db.commit()
    return int(task_id)


MAX_EXCLUDE = 50


def exclusion(text: str | None) -> list[int]:
    """`?exclude=3,4` as ids; a bad list is a 400 naming the parameter."""
    if not text:
        return []
    parts = text.split(",")
    if len(parts) > MAX_EXCLUDE or not all(p.strip().isdigit() and len(p.strip()) <= 10 for p in parts):
        raise Invalid(
            f"exclude must be up to {MAX_EXCLUDE} comma-separated task ids", {"exclude": ["invalid id list"]}
        )
    return [int(p) for p in parts]


_RELEASE = Prepared(_DROP_MINE)


def release(db: Session, task_id: int, user_id: int) -> None:
    """Drop the annotator's lease; runs inside the caller's (annotation) transaction."""
    _RELEASE.run(db, {"tid": task_id, "uid": user_id})
