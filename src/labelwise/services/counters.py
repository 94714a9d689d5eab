"""Counters kept on tasks and projects, updated in the writer's transaction.

Listing projects and paging tasks reads these instead of counting rows, which is what keeps a
million-task project as fast as an empty one. Each update is one relative SQL UPDATE, so
concurrent writers on PostgreSQL never lose an increment.

When a task counts as done (`is_labeled`, which the queue and the status filters read): normally when it
has `maximum_annotations` (the overlap) annotations that were not skipped; in a project whose settings say
`require_review`, when that many of its annotations are accepted or fixed by a reviewer
(`reviews_accepted`, the task's annotations whose current review state is accepted or fixed). Both rules
live in `_labeled`, evaluated by the database inside each counter UPDATE. With dynamic overlap
(services/settling.py) the writer also says whether the task's votes are settled (`early`: at least
`overlap_min` annotations and the consensus confidence at the threshold), and the task is done then too;
`maximum_annotations` stays the cap.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, bindparam, case, false, func, or_, select, update
from sqlalchemy.orm import Session

from labelwise.db.base import table, utcnow
from labelwise.db.models import Project, Task
from labelwise.db.prepared import Prepared

# Hot-path statements are built and compiled once (see `db.prepared`).
_T = table(Task).c
_P = table(Project).c
# Review states that count as accepted (a fix is an accepted annotation with the reviewer's result).
ACCEPTED_STATES = ("accepted", "fixed")
# The key is a named parameter (`_FLAG`), as everything bound in a prepared statement must be.
_FLAG_KEY = bindparam("review_flag", type_=JSON.JSONStrIndexType())
_REQUIRES_REVIEW = func.coalesce(_P.settings[_FLAG_KEY].as_boolean(), false())
_FLAG = {"review_flag": "require_review"}


def _labeled(
    total: ColumnElement[Any], accepted: ColumnElement[Any], early: ColumnElement[Any]
) -> ColumnElement[Any]:
    """Whether a task with these (new) counts is done, read from its project in one scalar subquery;
    `early`: done before the cap (dynamic overlap settled it, or it was so already)."""
    rule = case(
        (_REQUIRES_REVIEW, accepted >= _P.maximum_annotations),
        else_=or_(total >= _P.maximum_annotations, early),
    )
    return select(rule).where(_P.id == _T.project_id).scalar_subquery()


def requires_review(project: Project) -> bool:
    return (project.settings or {}).get("require_review") is True


# The task's half of a new annotation (also fused into the PostgreSQL submit, `submit_write`).
BUMP_TASK = (
    update(table(Task))
    .where(_T.id == bindparam("tid"))
    .values(
        total_annotations=_T.total_annotations + bindparam("dt"),
        cancelled_annotations=_T.cancelled_annotations + bindparam("dc"),
        is_labeled=_labeled(
            _T.total_annotations + bindparam("dt"), _T.reviews_accepted, bindparam("early", type_=Boolean())
        ),
        updated_at=bindparam("now"),
    )
    .returning(_T.project_id, _T.total_annotations)
)
_BUMP_TASK = Prepared(BUMP_TASK)
_BUMP_REVIEWS = Prepared(
    update(table(Task))
    .where(_T.id == bindparam("tid"))
    .values(
        reviews_accepted=_T.reviews_accepted + bindparam("da"),
        reviews_rejected=_T.reviews_rejected + bindparam("dr"),
        # A review never changes the votes: a task settled early stays so.
        is_labeled=_labeled(_T.total_annotations, _T.reviews_accepted + bindparam("da"), _T.is_labeled),
        updated_at=bindparam("now"),
    )
)
_BUMP_PROJECT = Prepared(
    update(table(Project))
    .where(_P.id == bindparam("pid"))
    .values(
        total_annotations_number=_P.total_annotations_number + bindparam("dt"),
        skipped_annotations_number=_P.skipped_annotations_number + bindparam("dc"),
        num_tasks_with_annotations=_P.num_tasks_with_annotations + bindparam("dw"),
        updated_at=bindparam("now"),
    )
    .returning(_P.total_annotations_number)
)


def annotations_changed(
    db: Session, task_id: int, d_total: int, d_cancelled: int, early: bool = False
) -> int | None:
    """Apply a change in one task's annotation counts and the project counters that follow; returns the
    task's new count of submitted annotations (None when nothing changed).

    Two prepared statements; RETURNING gives the new count, from which the old one follows,
    so whether the task gained or lost its first annotation needs no extra read.
    """
    changed = task_counts_changed(db, task_id, d_total, d_cancelled, early)
    if changed is None:
        return None
    total, bump = changed
    project_counts_changed(db, bump)
    return total


ProjectBump = dict[str, Any]


def task_counts_changed(
    db: Session, task_id: int, d_total: int, d_cancelled: int, early: bool = False
) -> tuple[int, ProjectBump] | None:
    """The task's half of `annotations_changed`: the task's new count of submitted annotations and the
    project's half for `project_counts_changed`.

    Apart because every submit of a project updates the one project row, and its row lock is held from
    that UPDATE to the commit: the hot path applies the project's half last, so submits wait on each
    other for the commit only, not for the statements that follow."""
    if not d_total and not d_cancelled:
        return None
    now = utcnow()
    [(project_id, total)] = _BUMP_TASK.run(db, task_bump(task_id, d_total, d_cancelled, now, early))
    return int(total), project_bump(project_id, int(total), d_total, d_cancelled, now)


def task_bump(task_id: int, d_total: int, d_cancelled: int, now: datetime, early: bool) -> dict[str, Any]:
    """The parameters of `BUMP_TASK`."""
    return {"tid": task_id, "dt": d_total, "dc": d_cancelled, "now": now, "early": early, **_FLAG}


def project_bump(project_id: int, total: int, d_total: int, d_cancelled: int, now: datetime) -> ProjectBump:
    """The project's half, from the task's new count `total` (a task with its first annotation counts)."""
    had, has = total - d_total > 0, total > 0
    return {"pid": project_id, "dt": d_total, "dc": d_cancelled, "dw": int(has) - int(had), "now": now}


def project_counts_changed(db: Session, bump: ProjectBump | None) -> int | None:
    """The project's new count of submitted annotations (None when nothing changed), which the retrain
    watch of the built-in model reads instead of querying the project again."""
    if bump is None:
        return None
    rows = _BUMP_PROJECT.run(db, bump)
    return int(rows[0][0]) if rows else None


def review_moved(db: Session, task_id: int, before: str | None, after: str | None) -> None:
    """An annotation of the task went from review state `before` to `after` (None: not reviewed):
    move the task's review counters (and `is_labeled`, which may follow them) by one relative UPDATE."""
    da = int(after in ACCEPTED_STATES) - int(before in ACCEPTED_STATES)
    dr = int(after == "rejected") - int(before == "rejected")
    if da or dr:
        _BUMP_REVIEWS.run(db, {"tid": task_id, "da": da, "dr": dr, "now": utcnow(), **_FLAG})


def predictions_changed(db: Session, project_id: int, task_id: int, delta: int) -> None:
    db.execute(
        update(Task).where(Task.id == task_id).values(total_predictions=Task.total_predictions + delta)
    )
    db.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(total_predictions_number=Project.total_predictions_number + delta)
    )


def tasks_removed(
    db: Session,
    project_id: int,
    n: int,
    annotations: int,
    skipped: int,
    predictions: int,
    with_annotations: int,
) -> None:
    db.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(
            task_number=Project.task_number - n,
            deleted_tasks=Project.deleted_tasks + n,
            total_annotations_number=Project.total_annotations_number - annotations,
            skipped_annotations_number=Project.skipped_annotations_number - skipped,
            total_predictions_number=Project.total_predictions_number - predictions,
            num_tasks_with_annotations=Project.num_tasks_with_annotations - with_annotations,
        )
    )


def relabel_project(db: Session, project: Project) -> None:
    """Recompute `is_labeled` for every task after the overlap or the `require_review` setting changed."""
    done = Task.reviews_accepted if requires_review(project) else Task.total_annotations
    db.execute(
        update(Task)
        .where(Task.project_id == project.id)
        .values(is_labeled=case((done >= project.maximum_annotations, True), else_=False))
    )
    if not requires_review(project):
        from labelwise.services import settling

        settling.relabel(db, project)
