"""Qualification exams: with `exam_tasks` set, an annotator answers that many gold tasks before real work.

Until the exam is decided `next` hands out gold tasks only (services/queue.py). The answer that completes
the set decides it (`answered`, in that annotation's transaction): passed when the share answered correctly
(`gold.CORRECT`) reaches `exam_threshold`. A failed exam is a 403 from `next`, like a pause, with the figures
("exam not passed: 2/5 correct, 80% needed"), until a manager resets it (`reset`: a new attempt that counts
the gold answers given from then on). Managers and above take no exam.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from labelwise.db.base import table, utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import ExamResult, GoldAnswer, Project, User
from labelwise.services import activity
from labelwise.services.errors import Forbidden, NotFound
from labelwise.services.quality_control import Quality

_E = table(ExamResult).c
_G = table(GoldAnswer).c
_STATE = select(_E.passed, _E.correct, _E.total, _E.started_at).where(
    _E.project_id == bindparam("pid"), _E.user_id == bindparam("uid")
)
_SINCE = select(func.count(), func.coalesce(func.sum(case((_G.correct, 1), else_=0)), 0)).where(
    _G.project_id == bindparam("pid"), _G.user_id == bindparam("uid"), _G.created_at >= bindparam("since")
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _refusal(correct: int, total: int, threshold: float) -> Forbidden:
    return Forbidden(
        f"exam not passed: {correct}/{total} correct, {threshold:.0%} needed; ask a manager to reset it",
        {"exam": [f"{correct}/{total} correct, {threshold:.0%} needed"]},
    )


def gate(conn: Connection, project_id: int, user_id: int, quality: Quality) -> bool:
    """Whether this annotator may get only gold tasks now (the exam runs); raises Forbidden when they
    failed it. One seek on the unique (project, user) index."""
    row = conn.execute(_STATE, {"pid": project_id, "uid": user_id}).first()
    if row is None or row.passed is None:
        return True
    if row.passed:
        return False
    raise _refusal(row.correct, row.total, quality.exam_threshold)


def exhausted(conn: Connection, project_id: int, user_id: int, quality: Quality) -> Forbidden:
    """The refusal when an exam runs and no gold task is left for the annotator."""
    row = conn.execute(_STATE, {"pid": project_id, "uid": user_id}).first()
    since = row.started_at if row is not None else _EPOCH
    n, _ = conn.execute(_SINCE, {"pid": project_id, "uid": user_id, "since": since}).one()
    return Forbidden(
        f"the exam cannot go on: no gold task is left for you ({n} of {quality.exam_tasks} answered); "
        "ask a manager",
        {"exam": ["not enough gold tasks"]},
    )


def answered(db: Session, project: Project, user_id: int, quality: Quality) -> bool:
    """After a gold answer: decide the exam when this answer completes it. True while the exam was still
    running before this answer (its answers do not pause anyone: the exam itself decides)."""
    if quality.exam_tasks <= 0:
        return False
    conn = db.connection()
    row = conn.execute(_STATE, {"pid": project.id, "uid": user_id}).first()
    if row is not None and row.passed is not None:
        return False
    since = row.started_at if row is not None else _EPOCH
    n, right = conn.execute(_SINCE, {"pid": project.id, "uid": user_id, "since": since}).one()
    if n < quality.exam_tasks:
        return True
    passed = right / n >= quality.exam_threshold
    now = utcnow()
    exam = db.scalar(
        select(ExamResult).where(ExamResult.project_id == project.id, ExamResult.user_id == user_id)
    )
    if exam is None:
        exam = ExamResult(project_id=project.id, user_id=user_id, started_at=_EPOCH)
        db.add(exam)
    exam.passed, exam.correct, exam.total, exam.updated_at = passed, int(right), int(n), now
    db.flush()
    detail = {"passed": passed, "correct": int(right), "total": int(n)}
    activity.record(db, None, "exam.passed" if passed else "exam.failed", "user", user_id, detail, project.id)
    return True


def reset(db: Session, project: Project, actor: User, user_id: int) -> dict[str, Any]:
    """A new attempt: the exam runs again over the gold answers given from now on."""
    if db.get(User, user_id) is None:
        raise NotFound(f"user {user_id} not found")
    begin_write(db)
    now = utcnow()
    exam = db.scalar(
        select(ExamResult).where(ExamResult.project_id == project.id, ExamResult.user_id == user_id)
    )
    if exam is None:
        exam = ExamResult(project_id=project.id, user_id=user_id)
        db.add(exam)
    exam.passed, exam.correct, exam.total, exam.started_at, exam.updated_at = None, 0, 0, now, now
    db.flush()
    activity.record(db, actor, "exam.reset", "user", user_id, {}, project.id)
    db.commit()
    return state_json(exam) or {}


def states(db: Session, project_id: int) -> dict[int, ExamResult]:
    return {e.user_id: e for e in db.scalars(select(ExamResult).where(ExamResult.project_id == project_id))}


def state_json(exam: ExamResult | None) -> dict[str, Any] | None:
    if exam is None:
        return None
    status = "running" if exam.passed is None else ("passed" if exam.passed else "failed")
    return {"status": status, "correct": exam.correct, "total": exam.total, "started_at": exam.started_at}
