"""A submit's writes as one statement on PostgreSQL: the annotation, its history row, the task's counters,
the annotator's lease and draft dropped, and the activity row.

Why: each statement costs psycopg about 50 microseconds of Python and the database a message of its own;
a submit made six writes one after another. PostgreSQL runs data-modifying CTEs as one statement on one
snapshot, so only writes that read nothing another of them writes are fused: the task's UPDATE reads the
task's counters, never its annotations, and the history and activity rows read the new annotation
from the CTE that inserted it. The early-settle check of dynamic overlap reads the task's annotations with
the new one, so with dynamic overlap on (and on SQLite, which has no data-modifying CTEs) the submit
writes one statement at a time (`annotations.create`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, insert, literal, select, true
from sqlalchemy.orm import Session

from labelwise.db.base import table
from labelwise.db.models import Activity, Annotation, AnnotationHistory, Draft
from labelwise.db.prepared import Prepared
from labelwise.services import choice, counters

_A, _H, _D = table(Annotation), table(AnnotationHistory), table(Draft)

# The columns a new annotation is written with: every one given (a prepared statement runs no defaults).
COLUMNS = (
    "task_id",
    "project_id",
    "completed_by_id",
    "updated_by_id",
    "result",
    "was_cancelled",
    "ground_truth",
    "lead_time",
    "parent_prediction_id",
    "parent_annotation_id",
    "last_action",
    "review_state",
    "unique_id",
    "import_id",
    "draft_created_at",
    "skip_reason",
    "created_at",
    "updated_at",
)
HISTORY_COLUMNS = (
    "annotation_id",
    "task_id",
    "project_id",
    "user_id",
    "action",
    "result",
    "was_cancelled",
    "ground_truth",
    "lead_time",
    "created_at",
)
DROP_DRAFTS = _D.delete().where(_D.c.task_id == bindparam("tid"), _D.c.user_id == bindparam("uid"))
ACTION = "annotation.created"
# The new annotation's columns its history row copies, in the order of HISTORY_COLUMNS after the id (its
# author is the history row's user, its `last_action` the history's action: `submitted` or `skipped`).
_FROM_NEW = (
    "task_id",
    "project_id",
    "completed_by_id",
    "last_action",
    "result",
    "was_cancelled",
    "ground_truth",
    "lead_time",
    "created_at",
)


def _fused() -> Prepared:
    a = (
        insert(_A)
        .values({c: bindparam(c, type_=_A.c[c].type) for c in COLUMNS})
        .returning(*(_A.c[c] for c in ("id", *_FROM_NEW)))
        .cte("a")
    )
    history = insert(_H).from_select(
        HISTORY_COLUMNS, select(a.c.id, *(a.c[c] for c in _FROM_NEW)), include_defaults=False
    )
    trail = insert(table(Activity)).from_select(
        ("created_at", "user_id", "project_id", "action", "object_type", "object_id", "detail"),
        select(
            a.c.created_at,
            a.c.completed_by_id,
            a.c.project_id,
            literal(ACTION, String),
            literal("annotation", String),
            a.c.id,
            bindparam("detail", type_=table(Activity).c.detail.type),
        ),
        include_defaults=False,
    )
    task = counters.BUMP_TASK.cte("t")
    return Prepared(
        select(a.c.id, task.c.total_annotations)
        .select_from(a.join(task, true()))
        .add_cte(
            history.cte("h"),
            choice.DROP_MINE.cte("l"),
            DROP_DRAFTS.cte("d"),
            trail.cte("act"),
        )
    )


_SUBMIT = _fused()


def submit(db: Session, values: dict[str, Any]) -> tuple[int, tuple[int, counters.ProjectBump]]:
    """Write the annotation `values` (every one of `COLUMNS`) with the rest of the submit. Back come the new
    annotation's id and, as `counters.task_counts_changed` gives them, the task's new count of submitted
    annotations and the project's half of the counters. Never settles early: dynamic overlap goes the
    one-by-one way."""
    task_id, project_id, now = values["task_id"], values["project_id"], values["updated_at"]
    d_total = 0 if values["was_cancelled"] else 1
    params = {
        **values,
        **counters.task_bump(task_id, d_total, 1 - d_total, now, False),
        "uid": values["completed_by_id"],
        "detail": {"task": task_id},
    }
    [(ann_id, total)] = _SUBMIT.run(db, params)
    return int(ann_id), (int(total), counters.project_bump(project_id, int(total), d_total, 1 - d_total, now))
