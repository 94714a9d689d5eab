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


def _fused() -> Prepared:
    a = (
        insert(_A)
        .values({c: bindparam(c, type_=_A.c[c].type) for c in COLUMNS})
        .returning(*(_A.c[c] for c in ("id", "task_id", "project_id", "completed_by_id", "last_action")))
        .returning(*(_A.c[c] for c in ("result", "was_cancelled", "ground_truth", "lead_time", "created_at")))
        .cte("a")
    )
    # Label Studio's history actions are the submit's own: `submitted`, or `skipped`.
    history = insert(_H).from_select(
        HISTORY_COLUMNS,
        select(
            a.c.id, a.c.task_id, a.c.project_id, a.c.completed_by_id, a.c.last_action, a.c.result
        ).add_columns(a.c.was_cancelled, a.c.ground_truth, a.c.lead_time, a.c.created_at),
        include_defaults=False,
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


def submit(db: Session, values: dict[str, Any], task_id: int, user_id: int, early: bool) -> tuple[int, int]:
    """Write the annotation `values` (every one of `COLUMNS`) with the rest of the submit; the new
    annotation's id and the task's new count of submitted annotations come back."""
    cancelled = bool(values["was_cancelled"])
    params = {
        **values,
        **counters.task_bump(
            task_id, 0 if cancelled else 1, 1 if cancelled else 0, values["updated_at"], early
        ),
        "uid": user_id,
        "detail": {"task": task_id},
    }
    [(ann_id, total)] = _SUBMIT.run(db, params)
    return int(ann_id), int(total)
