"""The statements of the queue's choice: each rule of `services/queue.py` as a bounded index walk (a branch),
their variants without the excluded tasks, and the one `INSERT ... SELECT` that leases the first task of the
first branch finding one.

Apart from the queue's flow (what runs when, the serialized section) because these are the part that must
stay plannable: every branch is built once per shape with bind parameters, its LIMIT written into the SQL,
so one plan serves every call at any project size (bench/RESULTS.md, sessions 8 and 9).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from typing import cast as cast_type

from sqlalchemy import (
    Integer,
    Select,
    all_,
    any_,
    bindparam,
    delete,
    exists,
    false,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from labelwise.db.base import table
from labelwise.db.models import Annotation, Pause, Prediction, Task, TaskAssignment, TaskLock
from labelwise.db.prepared import Prepared
from labelwise.services import distribution

# LIMIT and OFFSET written into the SQL, not bound: a plan made without the values (the choice's generic
# plan, `_SECTION`) would otherwise assume a large LIMIT, cost the walks as full scans and JIT-compile them
# (26 ms a call at 200,000 tasks).
_ONE: Any = literal_column("1")
_ZERO: Any = literal_column("0")
_T = table(Task).c
_L = table(TaskLock).c
_A = table(Annotation).c
_P = table(Prediction).c
_S = table(TaskAssignment).c
_Z = table(Pause).c
# OFFSET 0 keeps the test a probe per candidate row (`ix_annotations_user_task`): pulled up into an anti
# join, a plan made without the user's id (a generic plan) may read all of a user's annotations first.
_NOT_MINE = ~exists(
    select(literal_column("1"))
    .where(_A.task_id == _T.id, _A.completed_by_id == bindparam("uid"))
    .offset(_ZERO)
)
# `= false`, not `IS false`: PostgreSQL derives index order only from equalities, so with IS it
# walked the primary key (through every other project's tasks) instead of `ix_tasks_queue`.
_UNLABELED = (_T.project_id == bindparam("pid"), _T.is_labeled == false())
# What the normal rules may hand out: unlabeled and not gold.
_REGULAR = (*_UNLABELED, _T.is_gold == false())
_BUILT: dict[tuple[Any, ...], Any] = {}
Built = TypeVar("Built")


def cached(key: tuple[Any, ...], build: Callable[[], Built]) -> Built:
    """A statement built once per shape (dialect, rules, exclusion...) and kept, so SQLAlchemy's compiled
    cache (or `Prepared`'s) finds the same object on every call."""
    if key not in _BUILT:
        _BUILT[key] = build()
    return cast_type(Built, _BUILT[key])


PAUSE = (
    select(_Z.reason, _Z.verbose_reason)
    .where(_Z.project_id == bindparam("pid"), _Z.user_id == bindparam("uid"), _Z.deleted_at.is_(None))
    .order_by(_Z.id.desc())
    .limit(_ONE)
)
# A literal, not a bind parameter, so the planner matches the partial index's WHERE clause.
REJECTED = (
    select(_A.task_id)
    .where(
        _A.completed_by_id == bindparam("uid"),
        _A.project_id == bindparam("pid"),
        _A.review_state == literal_column("'rejected'"),
    )
    .order_by(_A.task_id)
    .limit(_ONE)
)
DONE = select(func.count()).where(_A.completed_by_id == bindparam("uid"), _A.project_id == bindparam("pid"))


def _ids(dialect: str, column: Any, name: str, negate: bool = False) -> Any:
    """`column IN (the list bound as name)`. On PostgreSQL one array parameter (`= ANY`): the statement's
    text, and so its prepared plan, stays the same whatever the list's length (an expanded IN list made
    a new statement for every length: the queue's choice was parsed and planned anew on most calls).
    SQLite has no arrays, and its statements are cheap to prepare: the list is expanded there."""
    if dialect == "postgresql":
        array = bindparam(name, type_=postgresql.ARRAY(Integer))
        return column != all_(array) if negate else column == any_(array)
    param: Any = bindparam(name, expanding=True)
    return column.not_in(param) if negate else column.in_(param)


def held(dialect: str) -> Select[Any]:
    return cached(("held", dialect), lambda: _held_select(dialect))


def _held_select(dialect: str) -> Select[Any]:
    return (
        select(_T.id)
        .where(
            _ids(dialect, _T.id, "leased"),
            _T.project_id == bindparam("pid"),
            (_T.is_labeled == false()) | (_T.is_gold == true()),  # a gold task in hand, labeled or not
            _NOT_MINE,
        )
        .order_by(_T.id)
        .limit(_ONE)
    )


_ASSIGNED = (
    select(_S.task_id)
    .where(
        _S.user_id == bindparam("uid"),
        _S.project_id == bindparam("pid"),
        _S.type == literal_column("'AN'"),
        ~exists().where(_A.task_id == _S.task_id, _A.completed_by_id == bindparam("uid")),
    )
    .order_by(_S.task_id)
    .limit(_ONE)
)
_OTHERS_LOCKS = (
    select(func.count())
    .select_from(table(TaskLock))
    .where(_L.task_id == _T.id, _L.expire_at > bindparam("now"), _L.user_id != bindparam("uid"))
    .scalar_subquery()
)
_ROOM = _T.total_annotations + _OTHERS_LOCKS < bindparam("overlap")
# Ordered by all of `ix_tasks_queue` (project, is_labeled, id), not by id alone (the same order, given the
# equalities): ordered by id, PostgreSQL walked the primary key, stepping over every labeled task before
# the first new one (a 20,000-task project, 1,370 rows: 2.2 ms inside the serialized section).
_CANDIDATE = (
    select(_T.id).where(*_REGULAR, _NOT_MINE, _ROOM).order_by(_T.project_id, _T.is_labeled, _T.id).limit(_ONE)
)
_AFTER_PIVOT = _CANDIDATE.where(_T.id >= bindparam("pivot"))
# The uniform pivot: the task at or after a random inner id, found on (project_id, inner_id). Not
# min/max(id) of the unlabeled tasks: PostgreSQL answers those by walking the primary key, through
# every task of the projects made before this one.
PIVOT = (
    select(_T.id)
    .where(_T.project_id == bindparam("pid"), _T.inner_id >= bindparam("inner"))
    .order_by(_T.inner_id)
    .limit(_ONE)
)
# Tasks in progress: walked on `ix_tasks_queue_progress` (project, is_labeled, total DESC, id) in
# index order, stopping at the first one this annotator may take; then tasks only other people hold
# leases on (a handful of rows), lowest id first.
_STARTED = (
    select(_T.id)
    .where(*_REGULAR, _T.total_annotations > 0, _NOT_MINE, _ROOM)
    .order_by(_T.total_annotations.desc(), _T.id)
    .limit(_ONE)
)


# Other people's leased tasks (a list from the preface), looked up by id like `held`: joined in
# one statement, SQLite's planner (without statistics) walks the project's queue index instead.
def _leased(dialect: str) -> Select[Any]:
    return cached(
        ("leased", dialect),
        lambda: (
            select(_T.id)
            .where(_ids(dialect, _T.id, "leased"), *_REGULAR, _NOT_MINE, _ROOM)
            .order_by(_T.id)
            .limit(_ONE)
        ),
    )


_LEAST_CERTAIN = (
    select(_P.task_id)
    .join_from(table(Prediction), table(Task), _T.id == _P.task_id)
    .where(
        _P.project_id == bindparam("pid"),
        _P.score.is_not(None),
        _T.is_labeled == false(),
        _T.is_gold == false(),
        _NOT_MINE,
        _ROOM,
    )
    .order_by(_P.score, _P.task_id)
    .limit(_ONE)
)
# A gold task this annotator has not done, on the partial `ix_tasks_gold` (`is_gold = true` as its WHERE).
_GOLD = (
    select(_T.id)
    .where(_T.project_id == bindparam("pid"), _T.is_gold == true(), _NOT_MINE)
    .order_by(_T.id)
    .limit(_ONE)
)
DROP_MINE = delete(table(TaskLock)).where(_L.task_id == bindparam("tid"), _L.user_id == bindparam("uid"))


# The labeling screen prefetches the task after the one on screen: it asks `next` excluding the task
# it shows (which it holds a lease on), so it gets the following task leased too. The variants are
# built apart so the everyday statements stay the simplest ones.
_EXCLUDABLE = {
    id(s): col
    for s, col in (
        (REJECTED, _A.task_id),
        (_ASSIGNED, _S.task_id),
        (_CANDIDATE, _T.id),
        (_AFTER_PIVOT, _T.id),
        (_STARTED, _T.id),
        (_LEAST_CERTAIN, _P.task_id),
        (_GOLD, _T.id),
    )
}


def excepting(dialect: str, stmt: Select[Any]) -> Select[Any]:
    """`stmt` without the tasks bound as `exclude`."""
    column = _EXCLUDABLE[id(stmt)]
    return cached(("except", dialect, id(stmt)), lambda: stmt.where(_ids(dialect, column, "exclude", True)))


def _shape(dialect: str, rules: distribution.Rules, leased: bool, skip: bool) -> tuple[Any, ...]:
    return (dialect, rules.assignment_only, rules.overlap > 1, leased, rules.sampling, skip)


def prepared_plan(dialect: str, rules: distribution.Rules, leased: bool, skip: bool) -> Prepared:
    key = ("prepared", *_shape(dialect, rules, leased, skip))
    return cached(key, lambda: Prepared(plan(dialect, rules, leased, skip)))


def plan(dialect: str, rules: distribution.Rules, leased: bool, skip: bool) -> Any:
    """Rules 5 to 7 and the lease as ONE statement, so the section serialized per project is a
    single round trip (each one there also waits for the GIL in a busy server process).

    Each rule is a branch (`... LIMIT 1`, a bounded index walk), in the rules' order; the first that finds
    a task wins (`_leasing`), and `INSERT ... SELECT ... ON CONFLICT DO UPDATE ... RETURNING` leases it
    (or renews this user's lease on it). Built once per shape (dialect, sampling, overlap > 1,
    manual mode, leases to prefer, an exclusion) and kept.
    """
    return cached(
        ("plan", *_shape(dialect, rules, leased, skip)), lambda: _plan_of(dialect, rules, leased, skip)
    )


def _plan_of(dialect: str, rules: distribution.Rules, leased: bool, skip: bool) -> Any:
    branches: list[Select[Any]] = [_ASSIGNED]
    if not rules.assignment_only:
        if rules.overlap > 1:
            branches += [_STARTED, _leased(dialect)] if leased else [_STARTED]
        if rules.sampling == "Uniform sampling":
            branches.append(_AFTER_PIVOT)
        elif rules.sampling == "Uncertainty sampling":
            branches.append(_LEAST_CERTAIN)
        branches.append(_CANDIDATE)
    return _leasing(dialect, branches, skip)


def _leasing(dialect: str, branches: list[Select[Any]], skip: bool) -> Any:
    """`INSERT INTO task_locks SELECT` the first id of the first branch that has one.

    The branches are the arguments of one COALESCE of scalar subqueries, which both databases evaluate
    left to right and stop at the first non-NULL: the branches after the one that finds a task never run
    (a UNION ordered by rank ran every branch, inside the serialized section)."""
    firsts = []
    for branch in branches:
        # `_leased` has no variant: excluded ids are left out of its list by the caller.
        chosen = excepting(dialect, branch) if skip and id(branch) in _EXCLUDABLE else branch
        firsts.append(chosen.scalar_subquery())
    # OFFSET 0 keeps the subquery whole: flattened into the outer query, its one column was computed
    # twice (the row and the IS NOT NULL), every branch run twice.
    first = func.coalesce(*firsts) if len(firsts) > 1 else firsts[0]
    pick = select(first.label("id")).offset(_ZERO).subquery()
    rows = select(pick.c.id, bindparam("uid"), bindparam("expire", type_=_L.expire_at.type)).where(
        pick.c.id.is_not(None)
    )
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(table(TaskLock)).from_select(["task_id", "user_id", "expire_at"], rows)
    return insert.on_conflict_do_update(
        index_elements=["task_id", "user_id"], set_={"expire_at": insert.excluded.expire_at}
    ).returning(_L.task_id)


def gold_plan(dialect: str, skip: bool) -> Any:
    """The gold branch and its lease, built once per dialect and exclusion."""
    return cached(("gold", dialect, skip), lambda: _leasing(dialect, [_GOLD], skip))
