"""Which task an annotator labels next.

Rules, in the order they are applied:

1. A paused annotator (a `pauses` row without `deleted_at`) gets nothing: 403 with the reason. With an
   exam (`exam_tasks`, services/exams.py), a failed one is a 403 too, and while it runs an annotator
   (below manager) gets gold tasks only.
2. Rejected own work first: a task whose annotation by this user a reviewer rejected comes back to
   its author (no lease: the author updates their own annotation).
3. An annotator asking again gets the task they already hold a lease on.
4. `annotation_limit_count` (project settings): past that many annotations (submitted or skipped)
   in the project, 404 saying the limit is reached.
5. Tasks assigned to the annotator (`task_assignments`, type AN) before any others, in id order. An
   assignment asks that person for an annotation, so overlap does not hold it back. With
   `assignment_only` (manual distribution) nothing else is handed out.
6. Overlap > 1: tasks in progress before new ones: first those with annotations (most first, then
   id; the overlap check counts other people's leases), then those only other people hold leases on
   (lowest id first).
7. New tasks by the project's sampling: sequential (id order); uniform (the first candidate at or
   after the task of a random inner id, wrapping round: two index seeks at any project size; tasks
   after a run of ineligible ones are a little more likely); uncertainty
   (the project's predictions walked from the lowest score up on `(project_id, score, task_id)`,
   the first candidate task wins; tasks without a scored prediction follow in id order).

Gold tasks (services/gold.py) are never handed out by rules 6 and 7 (`is_gold = false` on every walk;
the partial `ix_tasks_gold` cannot be chosen for it; an assignment, rule 5, is explicit and still
counts) and take no overlap. With `gold_rate` above 0, a draw decides before the choice: with that
probability the choice is the first gold task (in id order on `ix_tasks_gold`) the annotator has not
done (their author never gets one: they annotated it), else (or when none is left) the normal rules.
With gold rate and exam off nothing of this runs: no extra statement.

Always: never a task the annotator already annotated or skipped; never (assignments aside) more
copies of a task in flight than the overlap still needs (`maximum_annotations` minus finished annotations, minus other
people's unexpired leases). A handed-out task is leased with a lock that expires, is released on
submit or skip, and is ignored once expired.

Concurrency: choosers of one project are serialized: on SQLite by the write transaction (BEGIN
IMMEDIATE), on PostgreSQL by a transaction-scoped advisory lock on the project. Row locks with SKIP
LOCKED are not enough under READ COMMITTED: a chooser whose snapshot predates another's commit
would not see that commit's lease and could hand out the same task twice. Only the choice is
serialized: what reads the user's own rows comes first, and the choice and the lease are one
statement (`choice.plan`), so the serialized section is one round trip plus the commit.

Speed: every statement is built once with bind parameters (`next` runs for every task labeled) and
each one is a seek or a short walk on an index: `ix_tasks_queue` (project, is_labeled, id),
`ix_tasks_queue_progress` (project, is_labeled, total_annotations DESC, id), `ix_task_assignments_queue`,
`ix_predictions_project_score` and the partial `ix_annotations_rejected`. The walks step over the
annotator's own tasks still waiting for other annotators one by one: cheap while a team is larger
than the overlap, linear in those tasks when it is not (one annotator on an overlap-3 project).
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.db.base import table
from labelwise.db.engine import begin_write
from labelwise.db.models import Pause, Project, ProjectMember, TaskLock, User
from labelwise.db.prepared import Prepared, run_and_commit
from labelwise.services import choice, distribution, exams, quality_control
from labelwise.services.errors import Forbidden, Invalid, NotFound

ADVISORY_QUEUE = 7001  # advisory lock namespace for the queue

_L = table(TaskLock).c
_M = table(ProjectMember).c
_Z = table(Pause).c

# What `next` reads of this user's own rows before choosing, as ONE statement (one round trip instead of
# four): the pause, the first rejected annotation, and the live leases, tagged by kind. With overlap > 1
# every live lease is read (others' leases steer the choice towards tasks in progress; the user's own are
# among them), else only the user's, through the user index.
PAUSED, REJECTED, MINE, OTHERS, ROLE = 0, 1, 2, 3, 4
_TEXT_NULL = cast(null(), Text)
_NULL_ID = cast(null(), Integer)


def _preface(dialect: str, skip: bool, all_leases: bool) -> Any:
    return choice.cached(
        ("preface", dialect, skip, all_leases), lambda: _preface_select(dialect, skip, all_leases)
    )


def _preface_select(dialect: str, skip: bool, all_leases: bool) -> Any:
    pause = choice.PAUSE.subquery()
    rejected = (choice.excepting(dialect, choice.REJECTED) if skip else choice.REJECTED).subquery()
    if all_leases:
        kind: Any = case(
            (_L.user_id == bindparam("uid"), literal_column(str(MINE))), else_=literal_column(str(OTHERS))
        )
        leases = select(kind, _L.task_id, _TEXT_NULL, _TEXT_NULL).where(_L.expire_at > bindparam("now"))
    else:
        leases = select(literal_column(str(MINE)), _L.task_id, _TEXT_NULL, _TEXT_NULL).where(
            _L.user_id == bindparam("uid"), _L.expire_at > bindparam("now")
        )
    role: Any = select(literal_column(str(ROLE)), _NULL_ID, cast(_M.role, Text), _TEXT_NULL).where(
        _M.project_id == bindparam("pid"), _M.user_id == bindparam("uid")
    )
    return union_all(
        select(
            literal_column(str(PAUSED)).label("kind"),
            cast(null(), Integer).label("task_id"),
            cast(pause.c.reason, Text).label("reason"),
            cast(pause.c.verbose_reason, Text).label("verbose"),
        ),
        select(literal_column(str(REJECTED)), rejected.c.task_id, _TEXT_NULL, _TEXT_NULL),
        leases,
        role,
    )


@dataclass
class Preface:
    """The preface's rows sorted out: the pause (reason, verbose), the rejected task, the leases, and the
    caller's membership role in the project (None: not a member), which `look` gives to `policies`."""

    pause: tuple[str, str] | None = None
    rejected: int | None = None
    mine: list[int] = field(default_factory=list)
    others: list[int] = field(default_factory=list)
    role: str | None = None
    skip: list[int] = field(default_factory=list)  # the exclusion it was read for


def _read_preface(conn: Connection, params: dict[str, Any], skip: list[int], all_leases: bool) -> Preface:
    found = Preface(skip=skip)
    values = {**params, "exclude": skip} if skip else params
    for kind, task_id, reason, verbose in conn.execute(
        _preface(conn.dialect.name, bool(skip), all_leases), values
    ):
        if kind == PAUSED:
            found.pause = (reason, verbose)
        elif kind == REJECTED:
            found.rejected = int(task_id)
        elif kind == MINE:
            found.mine.append(int(task_id))
        elif kind == ROLE:
            found.role = reason
        else:
            found.others.append(int(task_id))
    return found


# The section's lock, and for the rest of the transaction (the choice) the generic plan: PostgreSQL otherwise
# planned the choice anew on every call (0.8 ms of each, inside the section), as its generic plan looked
# dearer than the custom ones. That plan holds at any size because every walk is bounded by its index
# order and a LIMIT written into the SQL, and each test of a candidate is a probe per row (services/choice.py); JIT is off, as the choice is far too short to repay compiling (bench/RESULTS.md, session 9).
_SECTION = Prepared(
    select(
        func.pg_advisory_xact_lock(bindparam("ns", type_=Integer), bindparam("pid", type_=Integer)),
        func.set_config("plan_cache_mode", "force_generic_plan", True),
        func.set_config("jit", "off", True),
    )
)


def _wants_gold(conn: Connection, db: Session, project: Project, user: User) -> tuple[bool, bool]:
    """(hand a gold task this time, only gold: the exam runs). Reads nothing unless an exam is set."""
    quality = quality_control.of(project)
    if quality.exam_tasks > 0:
        role = policies.project_role(user, project, db)
        below_manager = role is not None and policies.RANK[role] < policies.RANK["manager"]
        if below_manager and exams.gate(conn, project.id, user.id, quality):
            return True, True
    rate = quality.gold_rate
    return rate > 0 and random.random() < rate, False  # mixing work, not a secret


def _params(project: Project, user: User, rules: distribution.Rules) -> dict[str, Any]:
    return {"uid": user.id, "pid": project.id, "now": datetime.now(UTC), "overlap": rules.overlap}


def look(db: Session, project: Project, user: User, exclude: Collection[int] = ()) -> Preface:
    """The preface, read before the caller's permission is checked, so the check finds their membership role
    in it (`policies.remember_role`) instead of reading it apart: one statement less for every task handed
    out. Nothing of it reaches the caller before `next_task`, which runs only once the check passed."""
    rules = distribution.rules(project)
    all_leases = rules.overlap > 1 and not rules.assignment_only
    seen = _read_preface(db.connection(), _params(project, user, rules), sorted(set(exclude)), all_leases)
    policies.remember_role(db, user.id, project.id, seen.role)
    return seen


def next_task(
    db: Session,
    project: Project,
    user: User,
    lock_seconds: int,
    exclude: Collection[int] = (),
    seen: Preface | None = None,
) -> int | None:
    """The id of the task this annotator should label now, leased to them; None when done.

    `exclude`: tasks not to hand out this time (the one the screen already shows, when it prefetches
    the next). A held lease on an excluded task is kept: the annotator is still working on it.
    Raises Forbidden when the annotator is paused, NotFound when their annotation limit is reached.

    What reads only this user's own rows (pause, rejected work, held leases, the limit) and what
    only steers preference (other people's leases, the uniform pivot) is read first, outside the
    section serialized per project; inside it: one statement that chooses and leases.
    """
    rules = distribution.rules(project)
    conn = db.connection()
    params = _params(project, user, rules)
    now: datetime = params["now"]
    skip = sorted(set(exclude))
    all_leases = rules.overlap > 1 and not rules.assignment_only
    try:
        if seen is None or seen.skip != skip:
            seen = _read_preface(conn, params, skip, all_leases)
        if seen.pause is not None:
            raise paused(*seen.pause)
        gold, only_gold = _wants_gold(conn, db, project, user)
        if seen.rejected is not None:
            db.commit()
            return seen.rejected
        mine = [t for t in seen.mine if t not in skip]
        # A task on screen (excluded, still leased) counts towards the limit: the labeling screen's
        # prefetch must not hand out one task more than the annotator may finish.
        in_hand = len(seen.mine) - len(mine)
        held = (
            conn.execute(choice.held(conn.dialect.name), {**params, "leased": mine}).scalar()
            if mine
            else None
        )
        if held is not None:
            db.commit()
            return int(held)
        if (
            rules.limit is not None
            and (conn.execute(choice.DONE, params).scalar() or 0) + in_hand >= rules.limit
        ):
            raise NotFound(
                f"you have reached the annotation limit of this project ({rules.limit} tasks)",
                {"annotation_limit_count": [str(rules.limit)]},
            )
    except (Forbidden, NotFound):
        db.rollback()
        raise
    expire = now + timedelta(seconds=lock_seconds)
    others = [t for t in seen.others if t not in skip]
    if gold:
        return _next_gold(db, project, user, params, skip, expire, only_gold, others)
    return _next_regular(db, project, params, skip, expire, others)


def _next_regular(
    db: Session,
    project: Project,
    params: dict[str, Any],
    skip: list[int],
    expire: datetime,
    others: list[int],
) -> int | None:
    """Rules 5 to 7: what steers preference read first (`others`: the tasks other people hold live
    leases on, from the preface), then the one serialized statement."""
    rules = distribution.rules(project)
    conn = db.connection()
    if not rules.assignment_only and rules.sampling == "Uniform sampling":
        inner = random.randint(1, max(project.last_inner_id, 1))  # spreading work, not a secret
        pivot = conn.execute(choice.PIVOT, {**params, "inner": inner}).scalar()
        params["pivot"] = int(pivot) if pivot is not None else 2**31 - 1  # past every id: wrap
    begin_write(db)
    conn = db.connection()
    if others:
        params["leased"] = others
    if skip:
        params["exclude"] = skip
    params["expire"] = expire
    dialect = conn.dialect.name
    if dialect == "postgresql":  # lock, choice and commit in one round trip
        section = {"ns": ADVISORY_QUEUE, "pid": project.id}
        plan = choice.prepared_plan(dialect, rules, bool(others), bool(skip))
        rows = run_and_commit(db, [(_SECTION, section), (plan, params)])
        db.commit()
        return int(rows[0][0]) if rows else None
    task_id = conn.execute(choice.plan(dialect, rules, bool(others), bool(skip)), params).scalar()
    db.commit()
    return None if task_id is None else int(task_id)


def _next_gold(
    db: Session,
    project: Project,
    user: User,
    params: dict[str, Any],
    skip: list[int],
    expire: datetime,
    only_gold: bool,
    others: list[int],
) -> int | None:
    """A gold task leased, or the normal rules when none is left (an exam: a 403 saying so)."""
    begin_write(db)
    conn = db.connection()
    if skip:
        params["exclude"] = skip
    params["expire"] = expire
    task_id = conn.execute(choice.gold_plan(conn.dialect.name, bool(skip)), params).scalar()
    if task_id is not None:
        db.commit()
        return int(task_id)
    if only_gold:
        refusal = exams.exhausted(conn, project.id, user.id, quality_control.of(project))
        db.rollback()
        raise refusal
    db.commit()
    params.pop("expire", None)
    params.pop("exclude", None)
    return _next_regular(db, project, params, skip, expire, others)


MAX_EXCLUDE = 50


def exclusion(text: str | None) -> list[int]:
    """`?exclude=3,4` as ids; a bad list is a 400 naming the parameter."""
    if not text:
        return []
    parts = text.split(",")
    if len(parts) > MAX_EXCLUDE or not all(p.strip().isdigit() and len(p.strip()) <= 10 for p in parts):
        raise Invalid(
            f"exclude must be up to {MAX_EXCLUDE} comma-separated task ids", {"exclude": ["invalid id list"]}
        )
    return [int(p) for p in parts]


_RELEASE = Prepared(choice.DROP_MINE)
_PAUSED = Prepared(
    select(_Z.reason, _Z.verbose_reason).where(
        _Z.project_id == bindparam("pid"), _Z.user_id == bindparam("uid"), _Z.deleted_at.is_(None)
    )
)


def release(db: Session, task_id: int, user_id: int) -> None:
    """Drop the annotator's lease; runs inside the caller's (annotation) transaction."""
    _RELEASE.run(db, {"tid": task_id, "uid": user_id})


def refuse_if_paused(db: Session, project_id: int, user_id: int) -> None:
    """A paused annotator may not submit in the project (one seek on `ix_pauses_project_user`)."""
    rows = _PAUSED.run(db, {"pid": project_id, "uid": user_id})
    if rows:
        raise paused(*rows[0])


def paused(reason: str, verbose: str | None) -> Forbidden:
    """The 403 of a paused annotator, for `next` and for a write: the manager's words, else the reason."""
    return Forbidden(f"you are paused in this project: {verbose or reason}", {"pause": [reason]})
