"""Data-manager bulk actions (Label Studio's `/api/dm/actions`): delete tasks, their annotations or
their predictions, for a selection of a project's tasks.

Each action is a few set-based statements over one selection subquery, in one transaction with the
counters it moves, so deleting every task of a million-task project is one DELETE, not a million.
Annotation history rows outlive the annotations (as everywhere in Labelwise); what is deleted is kept in
the trash first (services/trash.py), set-based too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, func, select, update
from sqlalchemy.orm import Session

from labelwise.db.engine import affected, begin_write
from labelwise.db.models import Annotation, Draft, Prediction, Project, Task, User
from labelwise.services import activity, counters, events, filters, gold, trash
from labelwise.services.errors import Invalid


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    permission: str  # the policy action a caller needs
    dialog: str
    run: Callable[..., dict[str, Any]]  # (db, project, chosen, user) or, with `with_body`, also the body
    with_body: bool = False


def _sums(db: Session, project: Project, chosen: Select[Any]) -> tuple[int, int, int, int, int]:
    """(tasks, annotations, skipped, predictions, tasks with annotations) of the selection."""
    row = db.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Task.total_annotations), 0),
            func.coalesce(func.sum(Task.cancelled_annotations), 0),
            func.coalesce(func.sum(Task.total_predictions), 0),
            func.coalesce(func.sum(case((Task.total_annotations > 0, 1), else_=0)), 0),
        ).where(Task.id.in_(chosen))
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4])


def _ids(db: Session, query: Select[Any]) -> list[int]:
    return [int(i) for i in db.scalars(query)]


def _delete_tasks(db: Session, project: Project, chosen: Select[Any], user: User) -> dict[str, Any]:
    n, anns, skipped, preds, with_anns = _sums(db, project, chosen)
    if n:
        # Before the delete: the payload (built only when a webhook listens) reads the ids being deleted.
        events.emit(
            db,
            "TASKS_DELETED",
            project.id,
            events.deleted_payload(db, "tasks", lambda: _ids(db, chosen), project.id),
        )
        trash.keep_tasks(db, project.id, chosen, user)
        counters.tasks_removed(db, project.id, n, anns, skipped, preds, with_anns)
        db.execute(delete(Draft).where(Draft.task_id.in_(chosen)))
        db.execute(delete(Task).where(Task.id.in_(chosen)))
    return {"processed_items": n, "reload": True, "detail": f"Deleted {n} tasks"}


def _delete_annotations(db: Session, project: Project, chosen: Select[Any], user: User) -> dict[str, Any]:
    _, anns, skipped, _, with_anns = _sums(db, project, chosen)
    if anns or skipped:
        doomed = select(Annotation.id).where(Annotation.task_id.in_(chosen)).order_by(Annotation.id)
        events.emit(
            db,
            "ANNOTATIONS_DELETED",
            project.id,
            events.deleted_payload(db, "annotations", lambda: _ids(db, doomed), project.id),
        )
        trash.keep_annotations(
            db, project.id, select(Annotation.id).where(Annotation.task_id.in_(chosen)), user
        )
    db.execute(delete(Draft).where(Draft.task_id.in_(chosen)))
    removed = affected(db.execute(delete(Annotation).where(Annotation.task_id.in_(chosen))))
    if removed:
        db.execute(
            update(Task)
            .where(Task.id.in_(chosen), (Task.total_annotations > 0) | (Task.cancelled_annotations > 0))
            .values(
                total_annotations=0,
                cancelled_annotations=0,
                reviews_accepted=0,
                reviews_rejected=0,
                is_labeled=False,
                agreement=None,
            )
        )
        db.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(
                total_annotations_number=Project.total_annotations_number - anns,
                skipped_annotations_number=Project.skipped_annotations_number - skipped,
                num_tasks_with_annotations=Project.num_tasks_with_annotations - with_anns,
            )
        )
    return {"processed_items": removed, "detail": f"Deleted {removed} annotations"}


def _delete_predictions(db: Session, project: Project, chosen: Select[Any], user: User) -> dict[str, Any]:
    _, _, _, preds, _ = _sums(db, project, chosen)
    if preds:
        trash.keep_predictions(
            db, project.id, select(Prediction.id).where(Prediction.task_id.in_(chosen)), user
        )
    removed = affected(db.execute(delete(Prediction).where(Prediction.task_id.in_(chosen))))
    if removed:
        db.execute(
            update(Task).where(Task.id.in_(chosen), Task.total_predictions > 0).values(total_predictions=0)
        )
        db.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(total_predictions_number=Project.total_predictions_number - preds)
        )
    return {"processed_items": removed, "detail": f"Deleted {removed} predictions"}


def _mark_gold(
    db: Session, project: Project, chosen: Select[Any], user: User, body: dict[str, Any]
) -> dict[str, Any]:
    n = gold.mark(db, project, user, chosen, body.get("result"))
    return {"processed_items": n, "reload": True, "detail": f"Marked {n} tasks as gold"}


def _unmark_gold(db: Session, project: Project, chosen: Select[Any], user: User) -> dict[str, Any]:
    n = gold.unmark(db, project, user, chosen)
    return {"processed_items": n, "reload": True, "detail": f"{n} tasks are no longer gold"}


ACTIONS: dict[str, Action] = {
    a.id: a
    for a in (
        Action("delete_tasks", "Delete tasks", "task.delete",
               "You are going to delete the selected tasks. Please confirm your action.", _delete_tasks),
        Action("delete_tasks_annotations", "Delete annotations", "annotation.change_any",
               "You are going to delete all annotations from the selected tasks. Please confirm your action.",
               _delete_annotations),
        Action("delete_tasks_predictions", "Delete predictions", "prediction.change",
               "You are going to delete all predictions from the selected tasks. Please confirm your action.",
               _delete_predictions),
        Action("mark_gold", "Mark as gold", "gold.manage",
               "The selected tasks become gold tasks: with a result in the body it is their ground truth, "
               "otherwise each task's accepted (or newest) annotation is.", _mark_gold, with_body=True),
        Action("unmark_gold", "Remove from gold", "gold.manage",
               "The selected tasks stop being gold tasks and their answer keys are removed.", _unmark_gold),
    )
}  # fmt: skip


def get(action_id: str | None) -> Action:
    action = ACTIONS.get(action_id or "")
    if action is None:
        raise Invalid(
            f"unknown action {str(action_id)[:60]!r}; known: {', '.join(ACTIONS)}", {"id": ["unknown action"]}
        )
    return action


def listing() -> list[dict[str, Any]]:
    """Label Studio's action list, in its shape."""
    return [
        {
            "id": a.id,
            "title": a.title,
            "order": i,
            "permission": a.permission,
            "experimental": False,
            "hidden": False,
            "dialog": {"title": a.title, "text": a.dialog, "type": "confirm", "form": None},
        }
        for i, a in enumerate(ACTIONS.values())
    ]


def selection(body: dict[str, Any], view_query: filters.Query | None) -> list[ColumnElement[bool]]:
    """The conditions a request's body selects: `{all: false, included}` is exactly those ids;
    `{all: true, excluded}` is every task the view's (or the body's) filters match, less the excluded."""
    selected = body.get("selectedItems")
    if not isinstance(selected, dict) or not isinstance(selected.get("all"), bool):
        raise Invalid(
            "selectedItems must be {all: false, included: [...]} or {all: true, excluded: [...]}",
            {"selectedItems": ["required"]},
        )
    chosen = filters.selection(selected, "selectedItems")
    if selected["all"] is False:
        return chosen
    base = list(view_query.conditions) if view_query else []
    if body.get("filters"):
        base = filters.conditions(body["filters"], "filters")
    return base + chosen


def run(
    db: Session,
    project: Project,
    user: User,
    action: Action,
    conditions: list[ColumnElement[bool]],
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    begin_write(db)
    chosen = select(Task.id).where(Task.project_id == project.id, *conditions)
    if action.with_body:
        result = action.run(db, project, chosen, user, body or {})
    else:
        result = action.run(db, project, chosen, user)
    activity.record(
        db,
        user,
        f"dm.{action.id}",
        "project",
        project.id,
        {"processed": result["processed_items"]},
        project.id,
    )
    db.commit()
    return result
