"""Reviews: a reviewer accepts, rejects (with a comment) or fixes an annotation.

The verdict is an `AnnotationReview` row, and the annotation carries its current state in `review_state`:
None (waiting for review), "accepted", "rejected" or "fixed". A fix is an acceptance with the reviewer's
own `result`: the annotation takes the fixed result, and its history keeps both versions (the review
points at the annotator's last history row, `previous_annotation_history_id`, and at the row written for
the fix, `fixed_annotation_history_id`). A rejected annotation goes back to its author, who sees the
comment (`author_view`); when the author changes it, it waits for review again (services/annotations.py).

The task's `reviews_accepted` / `reviews_rejected` count its annotations whose *current* state is
accepted-or-fixed / rejected, so a re-review or a resubmission moves them back; they are moved by
`counters.review_moved` in the writer's transaction (and `is_labeled` with them when the project
requires review).

Nobody reviews their own annotation: the reviewer would be grading their own work.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Select, and_, delete, select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import (
    Annotation,
    AnnotationHistory,
    AnnotationReview,
    Project,
    TaskAssignment,
    User,
)
from labelwise.quality.agreement.percent import pair_agreement
from labelwise.quality.extract import votes_from_tasks
from labelwise.services import activity, checks, counters, events, projects
from labelwise.services import annotations as annotation_service
from labelwise.services.errors import Forbidden, Invalid, NotFound

MAX_COMMENT = 5000
# Label Studio's `last_action` values for a reviewed annotation.
LAST_ACTION = {"accepted": "accepted", "rejected": "rejected", "fixed": "fixed_and_accepted"}
ORDERINGS = {"id": AnnotationReview.id, "created_at": AnnotationReview.created_at}


def as_json(r: AnnotationReview) -> dict[str, Any]:
    """Label Studio Enterprise's AnnotationReview, plus `comment`, `task`, `project` and `state`."""
    return {
        "id": r.id,
        "annotation": r.annotation_id,
        "task": r.task_id,
        "project": r.project_id,
        "created_by": r.created_by_id,
        "accepted": r.accepted,
        "comment": r.comment,
        "result": r.result,
        "state": state_of(r),
        "previous_annotation_history": r.previous_annotation_history_id,
        "fixed_annotation_history": r.fixed_annotation_history_id,
        "last_annotation_history": r.fixed_annotation_history_id or r.previous_annotation_history_id,
        "remove_from_queue": None,
        "started_at": None,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def state_of(r: AnnotationReview) -> str:
    if not r.accepted:
        return "rejected"
    return "fixed" if r.fixed_annotation_history_id is not None else "accepted"


# --- reading -------------------------------------------------------------------------------------------


def get(db: Session, review_id: int) -> AnnotationReview:
    review = db.get(AnnotationReview, review_id) if checks.is_id(review_id) else None
    if review is None:
        raise NotFound(f"annotation review {review_id} not found")
    return review


def annotation_of(db: Session, body: dict[str, Any]) -> Annotation:
    """The annotation a new review names: a missing or unknown id is bad input (400), naming the field."""
    value = body.get("annotation")
    if not checks.is_id(value):
        raise Invalid("annotation must be an annotation id", {"annotation": ["an annotation id is required"]})
    ann = db.get(Annotation, value)
    if ann is None:
        raise Invalid(f"annotation {value} does not exist", {"annotation": [f"no annotation {value}"]})
    return ann


def listing(
    db: Session,
    *,
    annotation_id: int | None = None,
    task_id: int | None = None,
    project_id: int | None = None,
    ordering: str = "id",
) -> list[AnnotationReview]:
    column = ORDERINGS.get(ordering.removeprefix("-"))
    if column is None:
        raise Invalid(
            f"ordering must be one of {', '.join(ORDERINGS)} (with - for descending)",
            {"ordering": [f"unknown ordering {ordering!r}"[:200]]},
        )
    q = select(AnnotationReview)
    if annotation_id is not None:
        q = q.where(AnnotationReview.annotation_id == annotation_id)
    if task_id is not None:
        q = q.where(AnnotationReview.task_id == task_id)
    if project_id is not None:
        q = q.where(AnnotationReview.project_id == project_id)
    order = column.desc() if ordering.startswith("-") else column.asc()
    return list(db.scalars(q.order_by(order, AnnotationReview.id)))


def latest(db: Session, annotation_id: int) -> AnnotationReview | None:
    q = (
        select(AnnotationReview)
        .where(AnnotationReview.annotation_id == annotation_id)
        .order_by(AnnotationReview.id.desc())
        .limit(1)
    )
    return db.scalar(q)


def author_view(db: Session, annotation_id: int | None) -> dict[str, Any] | None:
    """What the author of an annotation sees of its review on the labeling screen: the current state, and
    the latest verdict's comment and reviewer. None while nobody reviewed it."""
    if annotation_id is None:
        return None
    row = db.execute(
        select(Annotation.review_state, AnnotationReview, User)
        .join(AnnotationReview, AnnotationReview.annotation_id == Annotation.id)
        .outerjoin(User, User.id == AnnotationReview.created_by_id)
        .where(Annotation.id == annotation_id)
        .order_by(AnnotationReview.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    state, review, reviewer = row
    return {
        "state": state,
        "verdict": state_of(review),
        "comment": review.comment,
        "reviewer": None if reviewer is None else {"id": reviewer.id, "email": reviewer.email},
        "created_at": review.created_at,
    }


# --- writing -------------------------------------------------------------------------------------------


def _verdict(body: dict[str, Any], default_accepted: bool = False) -> tuple[bool, str | None, Any]:
    accepted = checks.flag(body, "accepted", default_accepted)
    comment = body.get("comment")
    if comment is not None:
        comment = checks.text(comment, "comment", MAX_COMMENT)
    result = body.get("result")
    if result is not None and not accepted:
        raise Invalid("result (a fix) needs accepted: true", {"result": ["a fix is an acceptance"]})
    return accepted, comment, result


def _locked(db: Session, annotation_id: int) -> Annotation:
    """The annotation again, inside the write transaction and locked (PostgreSQL) so two verdicts on it
    never interleave their counter moves."""
    ann = db.get(Annotation, annotation_id, with_for_update=True, populate_existing=True)
    if ann is None:
        raise NotFound(f"annotation {annotation_id} not found")
    return ann


def _reread(db: Session, review_id: int) -> AnnotationReview:
    """The review as it is now, read after its annotation is locked (it may have gone meanwhile)."""
    review = db.get(AnnotationReview, review_id, populate_existing=True)
    if review is None:
        raise NotFound(f"annotation review {review_id} not found")
    return review


def _check_reviewer(ann: Annotation, reviewer: User) -> None:
    if ann.completed_by_id == reviewer.id:
        raise Forbidden("you may not review your own annotation")
    if ann.was_cancelled:
        raise Invalid("a skipped annotation has nothing to review", {"annotation": ["skipped"]})


def _history_row(db: Session, ann: Annotation, user_id: int | None, action: str) -> int:
    row = AnnotationHistory(
        annotation_id=ann.id,
        task_id=ann.task_id,
        project_id=ann.project_id,
        user_id=user_id,
        action=action,
        result=ann.result,
        was_cancelled=ann.was_cancelled,
        ground_truth=ann.ground_truth,
        lead_time=ann.lead_time,
        created_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row.id


def _fix(db: Session, ann: Annotation, reviewer: User, result: Any) -> tuple[int, int]:
    """Give the annotation the reviewer's result, validated as any annotation; keep both versions in the
    history. Returns (the annotator's history row, the fix's history row)."""
    fixed = annotation_service.check_result(annotation_service.target(db, ann.task_id), result)
    previous = db.scalar(
        select(AnnotationHistory.id)
        .where(AnnotationHistory.annotation_id == ann.id)
        .order_by(AnnotationHistory.id.desc())
        .limit(1)
    )
    if previous is None:  # imported annotations have no history yet: keep the original first
        previous = _history_row(db, ann, ann.completed_by_id, "imported")
    ann.result = fixed
    ann.updated_by_id = reviewer.id
    return previous, _history_row(db, ann, reviewer.id, "fixed_and_accepted")


def _set_state(db: Session, ann: Annotation, state: str | None) -> None:
    before = ann.review_state
    ann.review_state = state
    ann.last_action = LAST_ACTION.get(state or "", ann.last_action)
    ann.updated_at = utcnow()
    db.flush()
    counters.review_moved(db, ann.task_id, before, state)


def _audit(db: Session, user: User, review: AnnotationReview, comment: str | None) -> None:
    state = state_of(review)
    detail: dict[str, Any] = {"annotation": review.annotation_id, "task": review.task_id}
    if comment:
        detail["comment"] = comment[:200]
    activity.record(db, user, f"review.{state}", "annotation_review", review.id, detail, review.project_id)


def create(db: Session, ann: Annotation, reviewer: User, body: dict[str, Any]) -> AnnotationReview:
    """Record a verdict (`accepted`, optional `comment`, optional `result` = a fix) and apply it."""
    accepted, comment, result = _verdict(body)
    begin_write(db)
    ann = _locked(db, ann.id)
    _check_reviewer(ann, reviewer)
    review = AnnotationReview(
        project_id=ann.project_id,
        task_id=ann.task_id,
        annotation_id=ann.id,
        created_by_id=reviewer.id,
        accepted=accepted,
        comment=comment or "",
    )
    if result is not None:
        review.previous_annotation_history_id, review.fixed_annotation_history_id = _fix(
            db, ann, reviewer, result
        )
        review.result = ann.result
    db.add(review)
    db.flush()
    _set_state(db, ann, state_of(review))
    _audit(db, reviewer, review, comment)
    events.emit(db, "REVIEW_CREATED", review.project_id, lambda: {"review": as_json(review)})
    db.commit()
    return review


def update(db: Session, review: AnnotationReview, user: User, body: dict[str, Any]) -> AnnotationReview:
    """Change a verdict: `accepted`, `comment`, or a (new) fix `result`. When it is the annotation's latest
    review, the annotation's state follows."""
    accepted, comment, result = _verdict(body, review.accepted)
    begin_write(db)
    ann = _locked(db, review.annotation_id)
    review = _reread(db, review.id)
    _check_reviewer(ann, user)
    review.accepted = accepted
    if comment is not None:
        review.comment = comment
    if not accepted:  # a rejection carries no fix
        review.result, review.fixed_annotation_history_id = None, None
    if result is not None:
        review.previous_annotation_history_id, review.fixed_annotation_history_id = _fix(
            db, ann, user, result
        )
        review.result = ann.result
    review.updated_at = utcnow()
    db.flush()
    newest = latest(db, ann.id)
    if newest is not None and newest.id == review.id:
        _set_state(db, ann, state_of(review))
    _audit(db, user, review, comment)
    events.emit(db, "REVIEW_UPDATED", review.project_id, lambda: {"review": as_json(review)})
    db.commit()
    return review


def delete_one(db: Session, review: AnnotationReview, user: User) -> None:
    """Withdraw a verdict. The annotation's state becomes that of its latest remaining review (None when
    there is none); a fixed result stays on the annotation (its history still has the annotator's)."""
    begin_write(db)
    ann = _locked(db, review.annotation_id)
    review = _reread(db, review.id)
    payload = {"reviews": [{"id": review.id}], "annotation": ann.id}
    db.execute(delete(AnnotationReview).where(AnnotationReview.id == review.id))
    remaining = latest(db, ann.id)
    _set_state(db, ann, state_of(remaining) if remaining is not None else None)
    if remaining is None:
        ann.last_action = "deleted_review"
    activity.record(
        db, user, "review.deleted", "annotation_review", review.id, {"annotation": ann.id}, ann.project_id
    )
    events.emit(db, "REVIEWS_DELETED", ann.project_id, lambda: payload)
    db.commit()


# --- the review queue ----------------------------------------------------------------------------------


def _waiting(project_id: int, reviewer_id: int) -> Any:
    """Annotations waiting for this reviewer: not reviewed, not skipped, not their own."""
    return and_(
        Annotation.project_id == project_id,
        Annotation.review_state.is_(None),
        Annotation.was_cancelled.is_(False),
        (Annotation.completed_by_id.is_(None)) | (Annotation.completed_by_id != reviewer_id),
    )


def next_task_id(
    db: Session, project: Project, reviewer: User, exclude: list[int] | None = None
) -> int | None:
    """The next task to review: one whose annotations wait (see `_waiting`), tasks assigned to the reviewer
    for review (TaskAssignment type RE) first, then the one with the oldest waiting annotation. No lease:
    a task leaves the queue when its annotations are reviewed. Two indexed queries: the reviewer's
    assignments (`ix_task_assignments_queue`), then the partial index of waiting annotations
    (`ix_annotations_review_queue`), read in id order and stopped at the first match."""
    skip = [Annotation.task_id.not_in(exclude)] if exclude else []
    assigned = (
        select(Annotation.task_id)
        .join(TaskAssignment, TaskAssignment.task_id == Annotation.task_id)
        .where(
            TaskAssignment.user_id == reviewer.id,
            TaskAssignment.project_id == project.id,
            TaskAssignment.type == "RE",
            _waiting(project.id, reviewer.id),
            *skip,
        )
        .order_by(TaskAssignment.task_id)
        .limit(1)
    )
    found = db.scalar(assigned)
    return found if found is not None else db.scalar(oldest_waiting(project.id, reviewer.id, exclude))


def oldest_waiting(project_id: int, reviewer_id: int, exclude: list[int] | None = None) -> Select[int]:
    """The task of the oldest annotation waiting for this reviewer (written to match the partial index)."""
    skip = [Annotation.task_id.not_in(exclude)] if exclude else []
    q = select(Annotation.task_id).where(_waiting(project_id, reviewer_id), *skip)
    return q.order_by(Annotation.id).limit(1)


def next_for_review(
    db: Session, project: Project, reviewer: User, exclude: list[int] | None = None
) -> dict[str, Any]:
    """The editor payload of the next task to review (schema, task data made safe, its annotations), with
    `pending` (the ids of its annotations waiting for this reviewer), `review_states` (every annotation's
    state), `annotators` (id → email) and `agreement`. NotFound when nothing waits."""
    from labelwise.services import consensus, editor_data  # editor_data imports this module

    task_id = next_task_id(db, project, reviewer, exclude)
    if task_id is None:
        raise NotFound("there are no annotations left to review in this project")
    out = editor_data.payload(db, project, task_id)
    consensus.attach(db, reviewer, project, [out["task"]])  # the editor's side panel shows it
    rows = db.execute(
        select(Annotation.id, Annotation.review_state, Annotation.completed_by_id, User.email)
        .outerjoin(User, User.id == Annotation.completed_by_id)
        .where(Annotation.task_id == task_id)
        .order_by(Annotation.id)
    ).all()
    waiting = set(
        db.scalars(
            select(Annotation.id).where(Annotation.task_id == task_id, _waiting(project.id, reviewer.id))
        )
    )
    out["pending"] = [r.id for r in rows if r.id in waiting]
    out["review_states"] = {str(r.id): r.review_state for r in rows}
    out["annotators"] = {str(r.completed_by_id): r.email for r in rows if r.completed_by_id is not None}
    out["agreement"] = agreement(projects.schema(project), out["task"].get("annotations") or [])
    return out


# --- agreement -----------------------------------------------------------------------------------------


def _canonical(items: list[dict[str, Any]]) -> str:
    """One control's result items without their ids, in a stable order: equal when the annotators agree."""
    bare = [{k: v for k, v in item.items() if k not in ("id", "parentID", "origin")} for item in items]
    texts = sorted(orjson.dumps(b, option=orjson.OPT_SORT_KEYS).decode() for b in bare)
    return "\n".join(texts)


def agreement(schema: labeling.Schema, annotations: list[dict[str, Any]]) -> float | None:
    """The task's agreement: per control, the share of annotator pairs that gave the same answer
    (`labelwise.quality`'s pairwise percent agreement, Label Studio Enterprise's task agreement for exact
    matches); the mean over the controls two or more annotators answered. Classification answers come from
    `quality.extract` (choices, ratings, numbers, texts, taxonomies); other controls (regions) count as the
    same answer when their result items are identical apart from region ids. None with fewer than two
    annotators (skips excluded)."""
    done = [a for a in annotations if not a.get("was_cancelled")]
    if len(done) < 2:
        return None
    shares: list[float] = []
    for control in schema.controls:
        answers: list[str] = []
        votes = votes_from_tasks([{"id": 0, "annotations": done}], control)
        if votes["label"]:
            answers = [orjson.dumps(v, default=str).decode() for v in votes["label"]]
        else:
            for a in done:
                items = [i for i in a.get("result") or [] if i.get("from_name") == control]
                if items:
                    answers.append(_canonical(items))
        if len(answers) < 2:
            continue
        counts = np.array([list(Counter(answers).values())], dtype=np.float64)
        share, _ = pair_agreement(counts)
        shares.append(float(share[0]))
    return round(sum(shares) / len(shares), 4) if shares else None
