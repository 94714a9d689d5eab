"""Dashboard numbers of a project and of each annotator, in a few set-based queries.

Per project and per annotator: tasks done, annotations, skips and the skip rate, review acceptance
(`Annotation.review_state`: accepted or fixed against rejected), annotations per day over the last
`days` days, the median lead time, and progress (tasks finished per day, cumulated).

Queries, whatever the number of annotators: one GROUP BY user for the counts, one GROUP BY (user,
day) for throughput, one column fetch of lead times (medians in numpy: SQLite has no percentile
function), one window query for the day each finished task got its last needed annotation, one
count of finished tasks and one read of the users named. Days are UTC calendar days as text
(`YYYY-MM-DD`): SQLite's `date()` and PostgreSQL's `to_char(created_at AT TIME ZONE 'UTC')` agree,
so the buckets are the same on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation, Project, ProjectMember, Task, User
from labelwise.services import consensus, settling
from labelwise.services.errors import NotFound

DAYS = 30
ACCEPTED = ("accepted", "fixed")
REJECTED = ("rejected",)


def day_of(db: Session, column: Any) -> ColumnElement[str]:
    """A timestamp column's UTC calendar day as `YYYY-MM-DD` text, on either database."""
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.date(column)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Person:
    """One annotator's numbers; `throughput` holds one count per day of the window."""

    user_id: int | None
    tasks_done: int = 0
    annotations: int = 0
    skipped: int = 0
    accepted: int = 0
    rejected: int = 0
    lead_times: list[float] = field(default_factory=list)
    throughput: list[int] = field(default_factory=list)

    def out(self, user: User | None) -> dict[str, Any]:
        times = np.asarray(self.lead_times, dtype=float)
        return {
            "user": _user(user, self.user_id),
            "tasks_done": self.tasks_done,
            "annotations": self.annotations,
            "skipped": self.skipped,
            "skip_rate": _rate(self.skipped, self.annotations + self.skipped),
            "reviews_accepted": self.accepted,
            "reviews_rejected": self.rejected,
            "acceptance_rate": _rate(self.accepted, self.accepted + self.rejected),
            "median_lead_time": round(float(np.median(times)), 3) if times.size else None,
            "mean_lead_time": round(float(times.mean()), 3) if times.size else None,
            "sum_lead_time": round(float(times.sum()), 3),
            "throughput": list(self.throughput),
        }


def _user(user: User | None, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None  # annotations whose author was deleted
    if user is None:
        return {"id": user_id, "email": "", "first_name": "", "last_name": ""}
    return {"id": user.id, "email": user.email, "first_name": user.first_name, "last_name": user.last_name}


def window(days: int = DAYS, today: date | None = None) -> list[str]:
    """The window's days, oldest first, ending today (UTC)."""
    end = today or datetime.now(UTC).date()
    return [(end - timedelta(days=k)).isoformat() for k in range(days - 1, -1, -1)]


def _people(db: Session, project: Project, user_id: int | None, days: list[str]) -> dict[int | None, Person]:
    a = Annotation
    only = [a.completed_by_id == user_id] if user_id is not None else []
    where = [a.project_id == project.id, *only]
    done = ~a.was_cancelled
    counts = db.execute(
        select(
            a.completed_by_id,
            func.count(func.distinct(case((done, a.task_id)))),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((a.was_cancelled, 1), else_=0)),
            func.sum(case((a.review_state.in_(ACCEPTED), 1), else_=0)),
            func.sum(case((a.review_state.in_(REJECTED), 1), else_=0)),
        )
        .where(*where)
        .group_by(a.completed_by_id)
    )
    people: dict[int | None, Person] = {}
    for uid, tasks_done, n, skipped, accepted, rejected in counts:
        people[uid] = Person(
            uid, int(tasks_done or 0), int(n or 0), int(skipped or 0), int(accepted or 0), int(rejected or 0)
        )
    for person in people.values():
        person.throughput = [0] * len(days)
    index = {d: k for k, d in enumerate(days)}
    bucket = day_of(db, a.created_at).label("day")
    per_day = db.execute(
        select(a.completed_by_id, bucket, func.count())
        .where(*where, done, bucket >= days[0])
        .group_by(a.completed_by_id, bucket)
    )
    for uid, day, n in per_day:
        k = index.get(str(day))
        if k is not None and uid in people:
            people[uid].throughput[k] = int(n)
    times = db.execute(select(a.completed_by_id, a.lead_time).where(*where, done, a.lead_time.is_not(None)))
    for uid, lead_time in times:
        if uid in people and lead_time is not None and np.isfinite(lead_time):
            people[uid].lead_times.append(float(lead_time))
    return people


def _progress(db: Session, project: Project, days: list[str]) -> list[dict[str, Any]]:
    """Tasks finished per day of the window and in all up to that day.

    A task is finished on the day of its `maximum_annotations`-th submitted annotation (the one that
    made it labeled); only tasks labeled now count, so deleted annotations take their task back out.
    """
    a = Annotation
    rank = func.row_number().over(partition_by=a.task_id, order_by=(a.created_at, a.id)).label("rank")
    ranked = (
        select(a.created_at, rank)
        .join(Task, Task.id == a.task_id)
        .where(a.project_id == project.id, ~a.was_cancelled, Task.is_labeled.is_(True))
        .subquery()
    )
    bucket = day_of(db, ranked.c.created_at).label("day")
    need = max(project.maximum_annotations, 1)
    rows = db.execute(select(bucket, func.count()).where(ranked.c.rank == need).group_by(bucket))
    per_day = {str(day): int(n) for day, n in rows}
    total = sum(n for day, n in per_day.items() if day < days[0])
    out = []
    for day in days:
        total += per_day.get(day, 0)
        out.append({"day": day, "finished": per_day.get(day, 0), "cumulative": total})
    return out


def _users(db: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


def _members(db: Session, project: Project) -> list[int]:
    """Members who annotate, so an annotator with nothing done yet still gets a row."""
    query = select(ProjectMember.user_id).where(
        ProjectMember.project_id == project.id, ProjectMember.role == "annotator"
    )
    return list(db.scalars(query))


def _totals(people: list[Person], tasks: int, finished: int) -> dict[str, Any]:
    everyone = Person(None)
    for p in people:
        everyone.annotations += p.annotations
        everyone.skipped += p.skipped
        everyone.accepted += p.accepted
        everyone.rejected += p.rejected
        everyone.lead_times.extend(p.lead_times)
    out = everyone.out(None)
    del out["user"], out["throughput"], out["tasks_done"]
    return {"tasks": tasks, "tasks_finished": finished, **out}


def project_stats(
    db: Session, project: Project, user_id: int | None = None, days: int = DAYS, today: date | None = None
) -> dict[str, Any]:
    """The dashboard of a project; with `user_id`, the same numbers for that one annotator only."""
    if user_id is not None and db.get(User, user_id) is None:
        raise NotFound(f"user {user_id} not found")
    span = window(days, today)
    people = _people(db, project, user_id, span)
    if user_id is None:
        for uid in _members(db, project):
            people.setdefault(uid, Person(uid, throughput=[0] * len(span)))
    elif user_id not in people:
        people[user_id] = Person(user_id, throughput=[0] * len(span))
    users = _users(db, {uid for uid in people if uid is not None})
    finished = int(
        db.scalar(select(func.count()).where(Task.project_id == project.id, Task.is_labeled.is_(True))) or 0
    )
    rows = sorted(people.values(), key=lambda p: (-p.annotations, p.user_id or 0))
    throughput = [sum(p.throughput[k] for p in rows) for k in range(len(span))]
    totals = _totals(rows, project.task_number, finished)
    known = consensus.skills_of(db, project.id, None if user_id is None else [user_id])
    if user_id is not None:
        totals["tasks_done"] = people[user_id].tasks_done
    return {
        "project": project.id,
        "user": user_id,
        "days": span,
        "totals": totals,
        "throughput": [{"day": d, "annotations": n} for d, n in zip(span, throughput, strict=True)],
        "progress": _progress(db, project, span) if user_id is None else None,
        "annotators": [{**p.out(users.get(p.user_id or 0)), **_skill(known, p.user_id)} for p in rows],
        # Dynamic overlap's saving: annotations used against maximum_annotations x tasks.
        "overlap": settling.saving(project) if user_id is None else None,
    }


def _skill(known: dict[int, dict[str, Any]], user_id: int | None) -> dict[str, Any]:
    """`skill` from the last aggregation and `gold_accuracy` from gold tasks, None where unknown."""
    return known.get(user_id or 0) or {"skill": None, "gold_accuracy": None}


def finished(db: Session, project: Project, user_id: int | None) -> dict[str, Any]:
    """Label Studio Enterprise's `stats/finished`: finished tasks (the user's, or the project's) and
    their share of the project's tasks in percent."""
    if user_id is None:
        query = select(func.count()).where(Task.project_id == project.id, Task.is_labeled.is_(True))
    else:
        query = select(func.count(func.distinct(Annotation.task_id))).where(
            Annotation.project_id == project.id,
            Annotation.completed_by_id == user_id,
            ~Annotation.was_cancelled,
        )
    n = int(db.scalar(query) or 0)
    progress = int(100 * n / project.task_number) if project.task_number else 0
    return {"id": user_id, "finished": n, "progress": progress}


def lead_times(db: Session, project: Project) -> dict[str, Any]:
    """Label Studio Enterprise's `stats/lead_time`: mean, median and sum of lead time per annotator."""
    people = _people(db, project, None, window(1))
    items = []
    for p in sorted(people.values(), key=lambda p: p.user_id or 0):
        if p.user_id is None or not p.lead_times:
            continue
        o = p.out(None)
        items.append(
            {
                "user_id": p.user_id,
                "mean_time": o["mean_lead_time"],
                "median_time": o["median_lead_time"],
                "sum_lead_time": o["sum_lead_time"],
            }
        )
    return {"lead_time_stats": items}
