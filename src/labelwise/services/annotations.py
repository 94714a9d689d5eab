"""Annotations: validated against the config, stored with history, counted, audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from labelwise import labeling, policies
from labelwise.db.base import table, utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import (
    Annotation,
    AnnotationHistory,
    Draft,
    Pause,
    Project,
    ProjectMember,
    Task,
    User,
)
from labelwise.db.prepared import Prepared, dialect_of
from labelwise.ml.builtin import retrain
from labelwise.services import (
    activity,
    checks,
    counters,
    events,
    gold,
    projects,
    queue,
    settling,
    submit_write,
    task_agreement,
)
from labelwise.services.errors import Forbidden, Invalid, NotFound


def get(db: Session, annotation_id: int) -> Annotation:
    ann = db.get(Annotation, annotation_id) if checks.is_id(annotation_id) else None
    if ann is None:
        raise NotFound(f"annotation {annotation_id} not found")
    return ann


def for_task(db: Session, task: Task) -> list[Annotation]:
    return list(db.scalars(select(Annotation).where(Annotation.task_id == task.id).order_by(Annotation.id)))


@dataclass(frozen=True)
class Target:
    """What writing an annotation needs to know of its task, read in one statement."""

    task_id: int
    project_id: int
    data: dict[str, Any]
    label_config: str | None
    enable_empty_annotation: bool
    show_skip_button: bool = True
    is_gold: bool = False
    settings: dict[str, Any] | None = None
    # Read with the task for the writer `checked_for` (`target(..., writer)`): their membership role and
    # live pause in the project, so the write's checks need no statements of their own.
    checked_for: int | None = None
    pause: tuple[str, str | None] | None = None

    @property
    def schema(self) -> labeling.Schema:
        return projects.schema_of(self.label_config)


_T, _P = table(Task).c, table(Project).c
_TARGET = Prepared(
    select(
        _T.project_id,
        _T.data,
        _P.label_config,
        _P.enable_empty_annotation,
        _P.show_skip_button,
        _T.is_gold,
        _P.settings,
    )
    .join_from(table(Task), table(Project), _T.project_id == _P.id)
    .where(_T.id == bindparam("tid"))
)


_M, _Z = table(ProjectMember).c, table(Pause).c
_MY_PAUSE = (_Z.project_id == _T.project_id, _Z.user_id == bindparam("uid"), _Z.deleted_at.is_(None))
_TARGET_FOR = Prepared(
    _TARGET.statement.add_columns(  # type: ignore[attr-defined]
        select(_M.role)
        .where(_M.project_id == _T.project_id, _M.user_id == bindparam("uid"))
        .scalar_subquery(),
        select(_Z.reason).where(*_MY_PAUSE).order_by(_Z.id.desc()).limit(1).scalar_subquery(),
        select(_Z.verbose_reason).where(*_MY_PAUSE).order_by(_Z.id.desc()).limit(1).scalar_subquery(),
    )
)


def target(db: Session, task_id: int, writer: User | None = None) -> Target:
    """What writing an annotation on the task needs; with `writer`, also that user's membership role (given
    to `policies`) and pause in the project: the submit's three reads in one statement."""
    if not checks.is_id(task_id):
        raise NotFound(f"task {task_id} not found")
    if writer is None:
        row = _TARGET.run(db, {"tid": task_id})
    else:
        row = _TARGET_FOR.run(db, {"tid": task_id, "uid": writer.id})
    if not row:
        raise NotFound(f"task {task_id} not found")
    project_id, data, config, enable_empty, show_skip, is_gold, settings, *extra = row[0]
    pause = None
    if writer is not None:
        role, reason, verbose = extra
        policies.remember_role(db, writer.id, project_id, role)
        pause = (reason, verbose) if reason is not None else None
    return Target(
        task_id,
        project_id,
        data,
        config,
        bool(enable_empty),
        bool(show_skip),
        bool(is_gold),
        settings,
        checked_for=writer.id if writer is not None else None,
        pause=pause,
    )


def _may_write(db: Session, target: Target, user: User, cancelled: bool) -> None:
    """A paused annotator writes nothing in the project; with the skip button off, only managers
    and above may skip (they run the project; an annotator's skip would dodge the rule)."""
    if target.checked_for != user.id:
        queue.refuse_if_paused(db, target.project_id, user.id)
    elif target.pause is not None:
        raise queue.paused(*target.pause)
    if (
        cancelled
        and not target.show_skip_button
        and policies.RANK.get(user.role, -1) < policies.RANK["manager"]
    ):
        raise Invalid("skipping is disabled in this project", {"was_cancelled": ["skipping is disabled"]})


def _check(target: Target, result: Any, cancelled: bool) -> list[dict[str, Any]]:
    if result is None:
        result = []
    if cancelled and result == []:
        return []
    try:
        labeling.validate_result(target.schema, target.data, result)
    except labeling.InvalidResult as exc:
        raise Invalid(f"result: {exc}", {"result": [str(exc)]}) from exc
    if not result and not target.enable_empty_annotation:
        raise Invalid("result: empty annotations are disabled in this project", {"result": ["empty"]})
    return list(result)


def check_result(target: Target, result: Any) -> list[dict[str, Any]]:
    """A submitted (not skipped) result validated against the task's config, as a reviewer's fix is."""
    return _check(target, result, False)


def _ground_truth(db: Session, target: Target, user: User, body: dict[str, Any], default: bool) -> bool:
    """`ground_truth: true` makes the task gold (an answer key): only managers and above change it."""
    value = checks.flag(body, "ground_truth", default)
    if value != default:
        project = projects.get(db, target.project_id)
        if not policies.allowed(user, "gold.manage", project, db):
            raise Forbidden(
                "only a manager may mark or unmark an annotation as ground truth",
                {"ground_truth": ["manager only"]},
            )
    return value


def _number_or_none(value: Any, field: str) -> float | None:
    return checks.number(value, field)


MAX_SKIP_REASON = 500


def _skip_reason(body: dict[str, Any], cancelled: bool) -> str | None:
    """Why the annotator skipped: free text, only on a skip (`was_cancelled`), at most 500 characters."""
    value = body.get("skip_reason")
    if value is None:
        return None
    if not cancelled:
        raise Invalid(
            "skip_reason is only accepted with was_cancelled: true", {"skip_reason": ["not a skip"]}
        )
    reason = checks.text(value, "skip_reason", MAX_SKIP_REASON).strip()
    return reason or None


_INSERT_HISTORY = Prepared(insert(table(AnnotationHistory)), submit_write.HISTORY_COLUMNS)
_DRAFTS = table(Draft).c
_DELETE_DRAFTS = Prepared(submit_write.DROP_DRAFTS)

_DELETE_ANNOTATION_DRAFTS = Prepared(
    delete(table(Draft)).where(_DRAFTS.annotation_id == bindparam("aid"), _DRAFTS.user_id == bindparam("uid"))
)


def _history(db: Session, ann: Annotation | dict[str, Any], user: User | None, action: str) -> None:
    row = ann if isinstance(ann, dict) else {c: getattr(ann, c) for c in _SNAPSHOT}
    _INSERT_HISTORY.run(
        db,
        {
            "annotation_id": row["id"],
            "task_id": row["task_id"],
            "project_id": row["project_id"],
            "user_id": user.id if user else None,
            "action": action,
            "result": row["result"],
            "was_cancelled": row["was_cancelled"],
            "ground_truth": row["ground_truth"],
            "lead_time": row["lead_time"],
            "created_at": utcnow(),
        },
    )


_SNAPSHOT = ("id", "task_id", "project_id", "result", "was_cancelled", "ground_truth", "lead_time")
_INSERT = Prepared(insert(table(Annotation)).returning(table(Annotation).c.id), submit_write.COLUMNS)


def create(db: Session, target: Target, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """The hottest write path: prepared statements in one transaction (see `db.prepared`), on PostgreSQL
    one for all of the writes but the project's counters, and no ORM object; the stored row comes back as
    a dict for the response."""
    begin_write(db)
    cancelled = checks.flag(body, "was_cancelled")
    _may_write(db, target, user, cancelled)
    result = _check(target, body.get("result"), cancelled)
    now = utcnow()
    values = {
        "task_id": target.task_id,
        "project_id": target.project_id,
        "completed_by_id": user.id,
        "updated_by_id": None,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": _ground_truth(db, target, user, body, False),
        "lead_time": _number_or_none(body.get("lead_time"), "lead_time"),
        "parent_prediction_id": checks.optional_id(body.get("parent_prediction"), "parent_prediction"),
        "parent_annotation_id": checks.optional_id(body.get("parent_annotation"), "parent_annotation"),
        "last_action": "skipped" if cancelled else "submitted",
        "review_state": None,
        "unique_id": str(uuid.uuid4()),
        "import_id": None,
        "draft_created_at": None,
        "skip_reason": _skip_reason(body, cancelled),
        "created_at": now,
        "updated_at": now,
    }
    if dialect_of(db) == "postgresql" and not settling.active(target.settings):
        # The annotation, history, task counters, lease, draft and activity in one statement (`submit_write`).
        ann_id, (total, bump) = submit_write.submit(db, values)
        ann: dict[str, Any] = {"id": ann_id, **values}
    else:
        [(ann_id,)] = _INSERT.run(db, values)
        ann = {"id": ann_id, **values}
        _history(db, ann, user, "skipped" if cancelled else "submitted")  # Label Studio's history actions
        early = not cancelled and settling.settled(db, target)
        changed = counters.task_counts_changed(
            db, target.task_id, 0 if cancelled else 1, 1 if cancelled else 0, early
        )
        assert changed is not None  # a submit always moves one of the two counts
        total, bump = changed
        queue.release(db, target.task_id, user.id)
        _DELETE_DRAFTS.run(db, {"tid": target.task_id, "uid": user.id})
        activity.record(
            db, user, submit_write.ACTION, "annotation", ann_id, {"task": target.task_id}, target.project_id
        )
    if not cancelled and total >= 2:  # one vote has nothing to agree with
        task_agreement.refresh(db, target.task_id, target.label_config)
    # A ground truth given with a new annotation is Label Studio's flag only (imports and the SDK send it
    # with ordinary work); a task becomes gold when a manager marks it or promotes an annotation.
    if target.is_gold and not cancelled and not values["ground_truth"]:
        feedback = gold.answered(db, projects.get(db, target.project_id), user, target.task_id, result)
        if feedback is not None:
            ann["feedback"] = feedback  # training mode only: the correct answer, shown after the submit
    events.emit(
        db,
        "ANNOTATION_CREATED",
        target.project_id,
        events.annotation_payload(db, ann, target.project_id, target.task_id),
    )
    count = counters.project_counts_changed(db, bump)  # last: the project row stays locked until the commit
    db.commit()
    if not cancelled:
        retrain.WATCH.annotation_added(db, target.project_id, count)
    return ann


def update(
    db: Session, ann: Annotation, user: User, body: dict[str, Any], action: str = "updated"
) -> Annotation:
    """`action` names the history row and the activity (`restored` when history.restore calls)."""
    begin_write(db)
    task = target(db, ann.task_id)
    was = ann.was_cancelled
    cancelled = checks.flag(body, "was_cancelled", ann.was_cancelled)
    _may_write(db, task, user, cancelled and not was)
    if "result" in body or cancelled != was:
        ann.result = _check(task, body.get("result", ann.result), cancelled)
    ann.was_cancelled = cancelled
    truth = ann.ground_truth
    if "ground_truth" in body:
        ann.ground_truth = _ground_truth(db, task, user, body, ann.ground_truth)
    if "lead_time" in body:
        ann.lead_time = _number_or_none(body["lead_time"], "lead_time")
    if "skip_reason" in body or not cancelled:
        ann.skip_reason = _skip_reason(body, cancelled)
    ann.updated_by_id = user.id
    ann.last_action = "updated"
    ann.updated_at = utcnow()
    reviewed = ann.review_state
    if reviewed is not None and user.id == ann.completed_by_id:
        # The author changed reviewed work (rejected work reworked, most often): it waits for review
        # again, and leaves the author's queue of rejected work.
        ann.review_state = None
    db.flush()
    if ann.review_state != reviewed:
        counters.review_moved(db, ann.task_id, reviewed, None)
    _history(db, ann, user, action)
    _DELETE_ANNOTATION_DRAFTS.run(db, {"aid": ann.id, "uid": user.id})
    if ann.ground_truth != truth:
        gold.sync_task(db, ann.task_id)
    if cancelled != was and not gold.is_key(ann):
        d = -1 if cancelled else 1
        counters.annotations_changed(db, task.task_id, d, -d, not cancelled and settling.settled(db, task))
    task_agreement.refresh(db, task.task_id, task.label_config)
    activity.record(
        db, user, f"annotation.{action}", "annotation", ann.id, {"task": task.task_id}, task.project_id
    )
    events.emit(
        db,
        "ANNOTATION_UPDATED",
        task.project_id,
        events.annotation_payload(db, ann, task.project_id, task.task_id),
    )
    db.commit()
    return ann


def delete_one(db: Session, ann: Annotation, user: User) -> None:
    """Kept in the trash first (which writes the `deleted` history row and the activity)."""
    from labelwise.services import trash

    begin_write(db)
    trash.keep_annotations(db, ann.project_id, select(Annotation.id).where(Annotation.id == ann.id), user)
    counters.review_moved(db, ann.task_id, ann.review_state, None)
    key, truth = gold.is_key(ann), ann.ground_truth
    if not key:  # an answer key was never counted
        counters.annotations_changed(
            db, ann.task_id, 0 if ann.was_cancelled else -1, -1 if ann.was_cancelled else 0
        )
    db.execute(delete(Annotation).where(Annotation.id == ann.id))
    if truth:
        gold.sync_task(db, ann.task_id)
    task_agreement.refresh(db, ann.task_id, projects.get(db, ann.project_id).label_config)
    events.emit(
        db,
        "ANNOTATIONS_DELETED",
        ann.project_id,
        events.deleted_payload(db, "annotations", lambda: [ann.id], ann.project_id),
    )
    db.commit()


def history(db: Session, ann_id: int) -> list[AnnotationHistory]:
    q = (
        select(AnnotationHistory)
        .where(AnnotationHistory.annotation_id == ann_id)
        .order_by(AnnotationHistory.id)
    )
    return list(db.scalars(q))


def recent(db: Session, project_id: int, user_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The user's latest annotations in a project (newest first): the labeling screen's "back to
    previously labeled tasks" list. Bounded, so a long day of labeling never grows the page."""
    q = (
        select(Annotation.id, Annotation.task_id, Annotation.was_cancelled, Annotation.updated_at)
        .where(Annotation.project_id == project_id, Annotation.completed_by_id == user_id)
        .order_by(Annotation.id.desc())
        .limit(limit)
    )
    return [
        {"id": r.id, "task": r.task_id, "was_cancelled": r.was_cancelled, "updated_at": r.updated_at}
        for r in db.execute(q)
    ]
