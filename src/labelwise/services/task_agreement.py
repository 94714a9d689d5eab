"""How much a task's annotators agree, control by control, and the `tasks.agreement` column that keeps it.

Each control of the config is scored as its kind asks: single answers (choices, ratings, numbers, dates,
pairwise) agree when equal; multi-label choices and taxonomies by Jaccard; TextArea by normalized edit
distance; spans, boxes (IoU 0.5), polygons and keypoints by the F1 of one-to-one matched regions
(`quality.reference`, the same scores gold answers get). A task's agreement for a control is the mean over
its annotator pairs (Label Studio Enterprise's task agreement); its stored agreement is the mean over the
controls two or more annotators answered. The project report (services/agreement.py) is built from the same
pairs, so the column, the data manager's filter and the report's lowest tasks always say the same.

Pairs are made without a loop over tasks: answers sorted by task, the k-th neighbour of each answer is its
partner for k = 1, 2, ... while any task still has one (as many rounds as the most annotators on one task).
Equality-scored kinds are then compared as integer codes in one vector operation; only region and text
scores call a scorer per pair.

Writes: `refresh(db, task_id)` on an annotation's create (only once the task has two submitted
annotations), update, delete and restore, with one indexed read of that task's votes; the background job
`quality.agreement` (services/agreement.py) rewrites every task of a project in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Float, Text, bindparam, cast, false, or_, select, update
from sqlalchemy.orm import Session

from labelwise import labeling, quality
from labelwise.db.base import table, utcnow
from labelwise.db.models import Annotation, Task
from labelwise.db.prepared import Prepared
from labelwise.quality import reference
from labelwise.quality.regions import scores
from labelwise.services import projects
from labelwise.services.gold import KEY_ACTION

# Kinds of control, by how two answers are compared.
NOMINAL, ORDINAL, INTERVAL = "nominal", "ordinal", "interval"  # equal or not; alpha at that level
MULTI, TEXT = "multi", "text"
REGION_KINDS = (reference.SPAN, reference.BOX, reference.POLYGON, reference.KEYPOINT)
EXACT_KINDS = (NOMINAL, ORDINAL, INTERVAL)

Rows = Sequence[tuple[int, int, list[dict[str, Any]]]]  # (task, annotator, result)


@dataclass(frozen=True)
class Control:
    """One scored control of a config."""

    name: str
    type: str
    kind: str
    domain: tuple[Any, ...] | None = None  # a rating's values 1..max, for the ordinal alpha


@lru_cache(maxsize=128)
def controls_of(label_config: str | None) -> tuple[Control, ...]:
    """The config's controls that can be compared between annotators (per-region ones are not)."""
    schema = projects.schema_of(label_config)
    return tuple(c for c in (_control(tag) for tag in schema.controls.values()) if c is not None)


def _control(tag: labeling.ControlTag) -> Control | None:
    if tag.per_region:
        return None
    kind = tag.type.lower()
    if kind in ("choices", "datetime", "pairwise"):
        return Control(tag.name, kind, MULTI if tag.choice == "multiple" else NOMINAL)
    if kind == "taxonomy":
        return Control(tag.name, kind, NOMINAL if tag.max_usages == 1 else MULTI)
    if kind == "rating":
        domain = tuple(range(1, tag.max_rating + 1)) if tag.max_rating else None
        return Control(tag.name, kind, ORDINAL, domain)
    if kind == "number":
        return Control(tag.name, kind, INTERVAL)
    if kind == "textarea":
        return Control(tag.name, kind, TEXT)
    scored = reference.kind_of(kind)
    if scored in REGION_KINDS:
        return Control(tag.name, kind, scored)
    return None


@dataclass
class Answers:
    """Every annotator's answer to one control: aligned columns, one row per (task, annotator)."""

    control: Control
    tasks: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)


def collect(controls: Sequence[Control], rows: Rows) -> list[Answers]:
    """Answers of each control in `rows`; one annotator's later annotation of a task replaces an earlier
    one (rows come in id order), and an annotation without a result for a control abstains from it."""
    out = [Answers(c) for c in controls]
    add_batch(out, rows)
    return [dedupe(a) for a in out]


def add_batch(columns: Sequence[Answers], rows: Rows) -> None:
    """Append one batch of (task, annotator, result) rows to each control's columns."""
    pseudo = [
        {"id": i, "annotations": [{"completed_by": 0, "result": r}]} for i, (_, _, r) in enumerate(rows)
    ]
    for col in columns:
        c = col.control
        found: Iterable[tuple[int, Any]]
        if c.kind in REGION_KINDS:
            found = ((i, _items(r, c.name)) for i, (_, _, r) in enumerate(rows))
            found = [(i, items) for i, items in found if items]
        else:
            votes = quality.votes_from_tasks(pseudo, c.name)
            convert = _as_set if c.kind == MULTI else _as_text if c.kind == TEXT else _hashable
            found = [(i, convert(v)) for i, v in zip(votes["task"], votes["label"], strict=True)]
        for i, answer in found:
            col.tasks.append(rows[i][0])
            col.workers.append(rows[i][1])
            col.answers.append(answer)


def dedupe(col: Answers) -> Answers:
    """Keep the last answer of each (task, annotator)."""
    last: dict[tuple[int, int], int] = {}
    for k, key in enumerate(zip(col.tasks, col.workers, strict=True)):
        last[key] = k
    if len(last) == len(col.tasks):
        return col
    keep = sorted(last.values())
    return Answers(
        col.control,
        [col.tasks[k] for k in keep],
        [col.workers[k] for k in keep],
        [col.answers[k] for k in keep],
    )


def _items(result: list[dict[str, Any]], name: str) -> tuple[dict[str, Any], ...]:
    return tuple(x for x in result if isinstance(x, dict) and x.get("from_name") == name)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _as_set(value: Any) -> frozenset[Any]:
    return frozenset(_hashable(v) for v in value) if isinstance(value, tuple | list) else frozenset([value])


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def codes(values: Sequence[Any]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Integer codes of hashable values in order of first appearance, and the values they stand for."""
    index: dict[Any, int] = {}
    out = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    return out, list(index)


def pairs(task_codes: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Row indices (i, j), i before j, of every two answers to the same task."""
    order = np.argsort(task_codes, kind="stable")
    t = task_codes[order]
    left: list[npt.NDArray[np.int64]] = []
    right: list[npt.NDArray[np.int64]] = []
    step = 1
    while step < len(t):
        same = np.flatnonzero(t[:-step] == t[step:])
        if not same.size:  # tasks are contiguous: no partner at this distance, none farther
            break
        left.append(order[same])
        right.append(order[same + step])
        step += 1
    if not left:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(left), np.concatenate(right)


def scorer(control: Control) -> Callable[[Any, Any], float]:
    """The score of two answers to the control, 0 to 1 (for equality kinds: 1 when equal)."""
    kind = control.kind
    if kind in EXACT_KINDS:
        return lambda a, b: 1.0 if a == b else 0.0
    if kind == MULTI:
        return scores.jaccard
    if kind == TEXT:
        return scores.text_similarity
    kinds = {control.name: kind}

    def regions(a: Any, b: Any) -> float:
        _, per = reference.score(a, b, kinds)
        return per.get(control.name, 0.0)

    return regions


@dataclass(frozen=True)
class Pairs:
    """The compared pairs of one control: which rows, their tasks and annotators (as codes), and scores."""

    i: npt.NDArray[np.int64]
    j: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    task: npt.NDArray[np.int64]  # codes into `tasks`
    tasks: list[int]
    worker: npt.NDArray[np.int64]  # codes into `workers`, per row
    workers: list[int]
    labels: npt.NDArray[np.int64] | None  # per row, codes into `classes`, for equality kinds
    classes: list[Any]


def compare(col: Answers) -> Pairs:
    """Every pair of answers to the same task, scored."""
    task, tasks = codes(col.tasks)
    worker, workers = codes(col.workers)
    i, j = pairs(task)
    labels: npt.NDArray[np.int64] | None = None
    classes: list[Any] = []
    if col.control.kind in EXACT_KINDS:
        labels, classes = codes(col.answers)
        score = (labels[i] == labels[j]).astype(np.float64)
    else:
        fn, ans = scorer(col.control), col.answers
        score = np.fromiter((fn(ans[a], ans[b]) for a, b in zip(i.tolist(), j.tolist(), strict=True)),
                            dtype=np.float64, count=len(i))  # fmt: skip
    return Pairs(i, j, score, task, tasks, worker, workers, labels, classes)


def per_task(p: Pairs) -> tuple[list[int], npt.NDArray[np.float64]]:
    """(task ids, mean pair score) of the tasks with at least one pair."""
    t = p.task[p.i]
    n = np.bincount(t, minlength=len(p.tasks))
    total = np.bincount(t, weights=p.score, minlength=len(p.tasks))
    has = np.flatnonzero(n)
    return [p.tasks[k] for k in has.tolist()], total[has] / n[has]


def combine(per_control: Iterable[tuple[list[int], npt.NDArray[np.float64]]]) -> dict[int, float]:
    """A task's agreement: the mean over the controls it has pairs in."""
    ids: list[int] = []
    values: list[npt.NDArray[np.float64]] = []
    for task_ids, v in per_control:
        ids.extend(task_ids)
        values.append(v)
    if not ids:
        return {}
    code, uniq = codes(ids)
    flat = np.concatenate(values)
    mean = np.bincount(code, weights=flat) / np.bincount(code)
    return {int(t): round(float(m), 4) for t, m in zip(uniq, mean.tolist(), strict=True)}


def agreements(controls: Sequence[Control], rows: Rows) -> dict[int, float]:
    """Agreement of every task in `rows` that two or more annotators answered."""
    return combine(per_task(compare(col)) for col in collect(controls, rows) if col.tasks)


_A, _T = table(Annotation).c, table(Task).c
# Submitted work that votes: not skipped, not a gold answer key, by a user who still exists.
COUNTED = (
    _A.was_cancelled == false(),
    or_(_A.last_action.is_(None), _A.last_action != KEY_ACTION),
    _A.completed_by_id.is_not(None),
)
_VOTES = Prepared(  # COUNTED, with the answer key's action a named parameter as Prepared needs
    select(_A.completed_by_id, _A.result)
    .where(
        _A.task_id == bindparam("tid"),
        _A.was_cancelled == false(),
        or_(_A.last_action.is_(None), _A.last_action != bindparam("key")),
        _A.completed_by_id.is_not(None),
    )
    .order_by(_A.id)
)
_STORE = Prepared(
    update(table(Task))
    .where(_T.id == bindparam("tid"))
    .values(agreement=bindparam("a", type_=Float()), updated_at=bindparam("now"))
)


def refresh(db: Session, task_id: int, label_config: str | None) -> float | None:
    """Recompute and store one task's agreement, in the caller's transaction; returns it."""
    controls = controls_of(label_config)
    rows = [
        (task_id, who, result or []) for who, result in _VOTES.run(db, {"tid": task_id, "key": KEY_ACTION})
    ]
    value = agreements(controls, rows).get(task_id) if len(rows) >= 2 and controls else None
    _STORE.run(db, {"tid": task_id, "a": value, "now": utcnow()})
    return value


BATCH = 5000


def votes(db: Session, project_id: int, tasks: Any = None) -> Iterator[list[tuple[int, int, list[Any]]]]:
    """The project's counted annotations as (task, annotator, result), in id order, in keyset batches; one
    column fetch per batch (the result as JSON text, parsed by orjson). `tasks`: a select of task ids."""
    last = 0
    while True:
        query = select(_A.id, _A.task_id, _A.completed_by_id, cast(_A.result, Text)).where(
            _A.project_id == project_id, _A.id > last, *COUNTED
        )
        if tasks is not None:
            query = query.where(_A.task_id.in_(tasks))
        rows = db.execute(query.order_by(_A.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(r[1], r[2], orjson.loads(r[3] or "[]")) for r in rows]


def store(db: Session, project_id: int, values: dict[int, float], tasks: Any = None) -> None:
    """Write agreements: the selected tasks (every task of the project without `tasks`) are cleared,
    then the known values set, in batches of one executemany each."""
    where = [_T.project_id == project_id] + ([_T.id.in_(tasks)] if tasks is not None else [])
    db.execute(update(table(Task)).where(*where, _T.agreement.is_not(None)).values(agreement=None))
    stmt = update(table(Task)).where(_T.id == bindparam("tid")).values(agreement=bindparam("a"))
    items = list(values.items())
    for k in range(0, len(items), BATCH):
        db.execute(stmt, [{"tid": t, "a": a} for t, a in items[k : k + BATCH]])


def recompute(
    db: Session, project_id: int, label_config: str | None, tasks: Any = None,
    tick: Callable[[int], None] | None = None,
) -> dict[int, float]:  # fmt: skip
    """Recompute and store the agreement of a project's tasks (or of the selected ones), in the caller's
    transaction: all votes read first (one pass), scored at once, written in bulk."""
    controls = controls_of(label_config)
    columns = [Answers(c) for c in controls]
    for batch in votes(db, project_id, tasks):
        add_batch(columns, batch)
        if tick is not None:
            tick(len(batch))
    values = combine(per_task(compare(dedupe(col))) for col in columns if col.tasks)
    store(db, project_id, values, tasks)
    return values
