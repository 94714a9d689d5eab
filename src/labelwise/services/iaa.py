"""Inter-annotator agreement of a project, at Label Studio Enterprise's `stats/IAA`.

For every pair of annotators: on the tasks both labelled, the share where their classification answers
match exactly (`IAA`), and how many such tasks there are (`common_tasks`). An annotation's answer is
the tuple of its values for every classification control of the config (Choices, Rating, Number,
Taxonomy, DateTime, Pairwise, as `quality.extract` reads them); skips and annotations with none of
those answers abstain. This is Label Studio's agreement for exact-match labels; spans, boxes and other
region results are not scored here, so for a config without a classification control `IAA` and
`common_tasks` are null rather than a number that would mean something else.

Two sparse products, not a loop over pairs: with W the annotator x task indicator and Y the annotator x
(task, answer) indicator, `W @ W.T` counts common tasks and `Y @ Y.T` matching ones. The answers come
from one column fetch of the project's submitted annotations (optionally some tasks only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation, Project, User
from labelwise.quality.extract import VALUE_KEYS, votes_from_tasks
from labelwise.services import projects
from labelwise.services.errors import Invalid

# Result types whose values are one categorical answer each (TextArea is free text: not exact-matched).
CATEGORICAL = frozenset(VALUE_KEYS) - {"textarea"}


def controls(project: Project) -> list[str]:
    """The config's classification controls, by name."""
    schema = projects.schema(project)
    return sorted(name for name, tag in schema.controls.items() if tag.type.lower() in CATEGORICAL)


def _answers(
    db: Session, project: Project, names: list[str], task_ids: list[int] | None
) -> dict[str, list[Any]]:
    """Columns task, worker, label: one row per annotation that answered any of `names`."""
    query = select(Annotation.task_id, Annotation.completed_by_id, Annotation.result).where(
        Annotation.project_id == project.id,
        ~Annotation.was_cancelled,
        Annotation.completed_by_id.is_not(None),
    )
    if task_ids is not None:
        query = query.where(Annotation.task_id.in_(task_ids))
    pseudo_tasks = [
        {"id": (tid, uid), "annotations": [{"completed_by": uid, "result": result}]}
        for tid, uid, result in db.execute(query)
    ]
    per_control = [votes_from_tasks(pseudo_tasks, name) for name in names]
    answers: dict[tuple[int, int], list[Any]] = {}
    for k, columns in enumerate(per_control):
        for key, label in zip(columns["task"], columns["label"], strict=True):
            answers.setdefault(key, [None] * len(names))[k] = label
    out: dict[str, list[Any]] = {"task": [], "worker": [], "label": []}
    for (tid, uid), labels in answers.items():
        out["task"].append(tid)
        out["worker"].append(uid)
        out["label"].append(repr(tuple(labels)))  # hashable and comparable across annotators
    return out


def task_ids(raw: str | None) -> list[int] | None:
    """Label Studio's `task=1,2,3` filter; None (every task) when absent or empty."""
    if raw is None or not raw.strip():
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isdigit() and len(p) <= 10 and 0 < int(p) < 2**31 for p in parts):
        raise Invalid("task must be a comma-separated list of task ids", {"task": ["expected ids"]})
    return [int(p) for p in parts]


def _codes(values: list[Any]) -> tuple[np.ndarray[Any, Any], list[Any]]:
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    return codes, list(index)


def _indicator(rows: np.ndarray[Any, Any], cols: np.ndarray[Any, Any], shape: tuple[int, int]) -> Any:
    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1.0  # an annotator who answered a task twice counts once
    return m


def iaa(
    db: Session,
    project: Project,
    task_ids: list[int] | None = None,
    with_std: bool = False,
    per_label: bool = False,
) -> dict[str, Any]:
    if per_label:  # not computed; an answer of another shape would mislead
        raise Invalid("per_label agreement is not available", {"per_label": ["not supported"]})
    names = controls(project)
    votes = _answers(db, project, names, task_ids) if names else {"task": [], "worker": [], "label": []}
    worker, workers = _codes(votes["worker"])
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(workers)))} if workers else {}
    people = [
        {"id": w, "email": users[w].email if w in users else "", "first_name": users[w].first_name if w in users else "",
         "last_name": users[w].last_name if w in users else ""}
        for w in workers
    ]  # fmt: skip
    if not names:
        return {"IAA": None, "common_tasks": None, "std": None, "users": people}
    task, tasks = _codes(votes["task"])
    pair, pairs = _codes(list(zip(votes["task"], votes["label"], strict=True)))
    n = len(workers)
    on_task = _indicator(worker, task, (n, len(tasks)))
    on_answer = _indicator(worker, pair, (n, len(pairs)))
    common = np.asarray((on_task @ on_task.T).todense())
    agree = np.asarray((on_answer @ on_answer.T).todense())
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(common > 0, agree / np.maximum(common, 1), np.nan)
    matrix = [[None if np.isnan(v) else round(float(v), 4) for v in row] for row in share]
    out: dict[str, Any] = {
        "IAA": matrix,
        "common_tasks": [[int(v) for v in row] for row in common],
        "users": people,
    }
    if with_std:
        off = share[~np.eye(n, dtype=bool)] if n else np.array([])
        off = off[~np.isnan(off)]
        out["std"] = round(float(off.std()), 4) if off.size else None
    return out
