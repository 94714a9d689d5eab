"""Counters kept on tasks and projects, updated in the writer's transaction.

Listing projects and paging tasks reads these instead of counting rows, which is what keeps a
million-task project as fast as an empty one. Each update is one relative SQL UPDATE, so
concurrent writers on PostgreSQL never lose an increment.
"""

from __future__ import annotations

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from labelwise.db.models import Project, Task


def annotations_changed(db: Session, task_id: int, d_total: int, d_cancelled: int) -> None:
    """Apply a change in one task's annotation counts and the project counters that follow."""
    if not d_total and not d_cancelled:
        return
    max_ann = select(Project.maximum_annotations).where(Project.id == Task.project_id).scalar_subquery()
    before = db.execute(
        select(Task.project_id, Task.total_annotations, Task.cancelled_annotations).where(Task.id == task_id)
    ).one()
    db.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(
            total_annotations=Task.total_annotations + d_total,
            cancelled_annotations=Task.cancelled_annotations + d_cancelled,
            is_labeled=(Task.total_annotations + d_total) >= max_ann,
        )
    )
    had = before.total_annotations > 0
    has = before.total_annotations + d_total > 0
    db.execute(
        update(Project)
        .where(Project.id == before.project_id)
        .values(
            total_annotations_number=Project.total_annotations_number + d_total,
            skipped_annotations_number=Project.skipped_annotations_number + d_cancelled,
            num_tasks_with_annotations=Project.num_tasks_with_annotations + (int(has) - int(had)),
        )
    )


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
    """Recompute `is_labeled` for every task after the overlap setting changed."""
    db.execute(
        update(Task)
        .where(Task.project_id == project.id)
        .values(is_labeled=case((Task.total_annotations >= project.maximum_annotations, True), else_=False))
    )
