"""Gold tasks (honeypots): tasks with a ground-truth answer, mixed into queues to measure annotators.

A task is gold (`tasks.is_gold`) while it has a ground-truth annotation (Label Studio's `ground_truth: true`).
A manager makes one in two ways: marks tasks with their correct answer (`POST /api/projects/{id}/gold`, the
data manager's "Mark as gold" action), which writes a ground-truth annotation by the manager that is not
counted (no overlap taken, `is_labeled` untouched: its `last_action` is `ground_truth`); or promotes a
reviewed annotation (`PATCH /api/annotations/{id}` with `ground_truth: true`). A ground truth sent with a
new annotation (or an import) stays Label Studio's flag and does not make the task gold: such tasks are
ordinary work that happens to carry a reference label, and stay in exports.

When anyone else submits on a gold task, their result is scored against the newest ground truth
(`quality.reference`) into `gold_answers`; an annotator's accuracy is the mean score. After
`gold_min_answers` answers below `gold_threshold` they are paused (reason `ANNOTATOR_EVALUATION`, Label
Studio Enterprise's reason for this, the figure in the verbose reason), which the activity log, the
`MEMBER_PAUSED` webhook and the Members page show. Annotators never see a ground truth (services/access.py),
except as training feedback right after their own submit when the project's `training` is on.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, insert, select, true, update
from sqlalchemy.orm import Session

from labelwise import labeling, policies
from labelwise.db.base import table, utcnow
from labelwise.db.engine import affected
from labelwise.db.models import Annotation, AnnotationHistory, GoldAnswer, Project, Task, User
from labelwise.quality import reference
from labelwise.services import activity, exams, pauses, projects, quality_control
from labelwise.services.counters import ACCEPTED_STATES
from labelwise.services.errors import Invalid

# `last_action` of a ground-truth annotation written by marking: it is an answer key, not work, so no
# counter counts it.
KEY_ACTION = "ground_truth"
# A gold answer is "correct" (for exams: "2/5 correct") when it scores at least this.
CORRECT = 0.5
PAUSE_REASON = "ANNOTATOR_EVALUATION"
MAX_TASKS = 10_000

_A = table(Annotation).c
_G = table(GoldAnswer).c
_TRUTH = (
    select(_A.result)
    .where(_A.task_id == bindparam("tid"), _A.ground_truth == true())
    .order_by(_A.id.desc())
    .limit(1)
)
_ACCURACY = select(func.count(), func.avg(_G.score)).where(
    _G.project_id == bindparam("pid"), _G.user_id == bindparam("uid")
)


def kinds(schema: labeling.Schema) -> dict[str, str]:
    """The config's controls that can be scored, with how (`quality.reference.kind_of`)."""
    out = {}
    for name, tag in schema.controls.items():
        kind = reference.kind_of(tag.type, tag.choice == "multiple")
        if kind is not None:
            out[name] = kind
    return out


def ground_truth(db: Session, task_id: int) -> list[dict[str, Any]] | None:
    row = db.execute(_TRUTH, {"tid": task_id}).first()
    return None if row is None else list(row[0] or [])


def _tasks(db: Session, chosen: Select[Any]) -> list[tuple[int, dict[str, Any]]]:
    rows = [(int(r[0]), r[1]) for r in db.execute(select(Task.id, Task.data).where(Task.id.in_(chosen)))]
    if len(rows) > MAX_TASKS:
        raise Invalid(f"mark at most {MAX_TASKS} tasks as gold at once", {"selectedItems": ["too many"]})
    return rows


def mark(db: Session, project: Project, user: User, chosen: Select[Any], result: Any) -> int:
    """Make the chosen tasks gold, in the caller's write transaction; returns how many.

    With `result`: a ground-truth annotation with it on each task (validated against each task's data).
    Without: each task's newest accepted or fixed annotation, else its newest submitted one, is promoted;
    a task with neither stays as it is.
    """
    rows = _tasks(db, chosen)
    if not rows:
        return 0
    ids = [tid for tid, _ in rows]
    if result is not None:
        schema = projects.schema(project)
        for tid, data in rows:
            try:
                labeling.validate_result(schema, data or {}, result)
            except labeling.InvalidResult as exc:
                raise Invalid(f"result (task {tid}): {exc}", {"result": [str(exc)]}) from exc
        if not result:
            raise Invalid("result: a ground truth must answer something", {"result": ["empty"]})
        _write_keys(db, project.id, user, ids, list(result))
        marked = ids
    else:
        marked = _promote_best(db, ids)
    if marked:
        db.execute(update(Task).where(Task.id.in_(marked)).values(is_gold=True))
        activity.record(db, user, "gold.marked", "project", project.id, {"tasks": len(marked)}, project.id)
    return len(marked)


def _write_keys(db: Session, project_id: int, user: User, ids: list[int], result: list[Any]) -> None:
    now = utcnow()
    rows = [
        {
            "task_id": tid,
            "project_id": project_id,
            "completed_by_id": user.id,
            "result": result,
            "was_cancelled": False,
            "ground_truth": True,
            "last_action": KEY_ACTION,
            "unique_id": str(uuid.uuid4()),
            "created_at": now,
            "updated_at": now,
        }
        for tid in ids
    ]
    made = db.execute(insert(Annotation).returning(Annotation.id, Annotation.task_id), rows).all()
    history = [
        {
            "annotation_id": aid,
            "task_id": tid,
            "project_id": project_id,
            "user_id": user.id,
            "action": "submitted",
            "result": result,
            "was_cancelled": False,
            "ground_truth": True,
            "created_at": now,
        }
        for aid, tid in made
    ]
    db.execute(insert(AnnotationHistory), history)


def _promote_best(db: Session, ids: list[int]) -> list[int]:
    """Per task: the newest reviewed-good annotation, else the newest submitted; set as ground truth."""
    base = select(Annotation.task_id, func.max(Annotation.id)).where(
        Annotation.task_id.in_(ids), Annotation.was_cancelled.is_(False)
    )
    best = dict(
        db.execute(
            base.where(Annotation.review_state.in_(ACCEPTED_STATES)).group_by(Annotation.task_id)
        ).all()
    )
    rest = [t for t in ids if t not in best]
    if rest:
        best.update(db.execute(base.where(Annotation.task_id.in_(rest)).group_by(Annotation.task_id)).all())
    if best:
        db.execute(update(Annotation).where(Annotation.id.in_(list(best.values()))).values(ground_truth=True))
    return sorted(int(t) for t in best)


def unmark(db: Session, project: Project, user: User, chosen: Select[Any]) -> int:
    """The chosen tasks stop being gold: their answer keys go, promoted annotations lose the flag."""
    ids = [tid for tid, _ in _tasks(db, chosen)]
    if not ids:
        return 0
    db.execute(delete(Annotation).where(Annotation.task_id.in_(ids), Annotation.last_action == KEY_ACTION))
    db.execute(
        update(Annotation)
        .where(Annotation.task_id.in_(ids), Annotation.ground_truth.is_(True))
        .values(ground_truth=False)
    )
    n = affected(
        db.execute(update(Task).where(Task.id.in_(ids), Task.is_gold.is_(True)).values(is_gold=False))
    )
    activity.record(db, user, "gold.unmarked", "project", project.id, {"tasks": len(ids)}, project.id)
    return n


def sync_task(db: Session, task_id: int) -> None:
    """After an annotation's `ground_truth` changed: the task is gold while it has a ground truth."""
    has = db.execute(_TRUTH, {"tid": task_id}).first() is not None
    db.execute(update(Task).where(Task.id == task_id).values(is_gold=has))


def is_key(ann: Annotation | dict[str, Any]) -> bool:
    """Whether an annotation is an uncounted answer key written by marking."""
    action = ann.get("last_action") if isinstance(ann, dict) else ann.last_action
    return action == KEY_ACTION


def answered(
    db: Session, project: Project, user: User, task_id: int, result: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Score a submitted result on a gold task, in the annotation's transaction; the training feedback
    (or None: training off, or nothing to score)."""
    truth = ground_truth(db, task_id)
    if truth is None:
        return None
    value, _ = reference.score(result, truth, kinds(projects.schema(project)))
    if value is None:
        return None
    correct = value >= CORRECT
    db.execute(
        insert(GoldAnswer).values(
            project_id=project.id,
            user_id=user.id,
            task_id=task_id,
            score=value,
            correct=correct,
            created_at=utcnow(),
        )
    )
    settings = quality_control.of(project)
    if _evaluated(user, project, db):
        in_exam = exams.answered(db, project, user.id, settings)
        if not in_exam:
            _check_accuracy(db, project, user, settings)
    if not settings.training:
        return None
    return {"correct": correct, "score": round(value, 4), "ground_truth": truth}


def _evaluated(user: User, project: Project, db: Session) -> bool:
    """Exams and automatic pauses are for annotators and reviewers: managers run the project."""
    role = policies.project_role(user, project, db)
    return role is not None and policies.RANK[role] < policies.RANK["manager"]


def _check_accuracy(db: Session, project: Project, user: User, settings: quality_control.Quality) -> None:
    n, mean = db.execute(_ACCURACY, {"pid": project.id, "uid": user.id}).one()
    if n >= settings.gold_min_answers and mean is not None and float(mean) < settings.gold_threshold:
        why = (
            f"gold accuracy {float(mean):.0%} over {n} gold tasks, "
            f"below the project's {settings.gold_threshold:.0%}"
        )
        pauses.pause_automatically(db, project.id, user.id, PAUSE_REASON, why)


def listing(db: Session, project: Project) -> list[dict[str, Any]]:
    """Per annotator with gold answers: n, accuracy, correct, paused (and why), exam state; three queries."""
    rows = db.execute(
        select(
            GoldAnswer.user_id,
            func.count(),
            func.avg(GoldAnswer.score),
            func.sum(case((GoldAnswer.correct, 1), else_=0)),
        )
        .where(GoldAnswer.project_id == project.id)
        .group_by(GoldAnswer.user_id)
    ).all()
    users = (
        {u.id: u for u in db.scalars(select(User).where(User.id.in_([r[0] for r in rows])))} if rows else {}
    )
    paused = pauses.active_in(db, project)
    states = exams.states(db, project.id)
    out = []
    for uid, n, mean, right in sorted(rows, key=lambda r: r[0]):
        who = users.get(uid)
        pause = paused.get(uid)
        exam = states.get(uid)
        out.append(
            {
                "user": uid,
                "email": who.email if who else None,
                "n": int(n),
                "correct": int(right or 0),
                "accuracy": round(float(mean), 4) if mean is not None else None,
                "paused": pause is not None,
                "pause_reason": (pause.verbose_reason or pause.reason) if pause else None,
                "exam": exams.state_json(exam),
            }
        )
    return out


def gold_count(db: Session, project_id: int) -> int:
    return int(
        db.scalar(select(func.count()).where(Task.project_id == project_id, Task.is_gold.is_(True))) or 0
    )
