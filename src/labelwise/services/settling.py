"""Dynamic overlap: a task asks for another annotation only while its votes are not settled.

With `dynamic_overlap` on (services/quality_control.py) a task is done once it has `overlap_min` submitted
annotations and its consensus confidence reaches `confidence_threshold`, or once it has
`maximum_annotations` (the cap) whatever they say. The confidence is the smoothed vote share of the top
answer, the minimum over the config's classification controls (`quality.confidence`); a config without
one (only regions or free text) always goes to the cap. `settled` runs in the annotation's transaction
before the counter UPDATE, which takes its answer as `early` (services/counters.py), so `is_labeled` stays
a column the queue walks on its index. Not with `require_review`: there, reviews decide.

On PostgreSQL two annotations of one task committing at the same moment may each miss the other's vote;
the task then settles on its next annotation instead (never early by mistake: a missed vote only lowers
the count).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, false, or_, select, update
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.base import table
from labelwise.db.models import Annotation, Project, Task
from labelwise.quality.confidence import task_confidence
from labelwise.quality.extract import votes_from_tasks
from labelwise.services import projects, quality_control
from labelwise.services.gold import KEY_ACTION  # answer keys are not votes
from labelwise.services.iaa import CATEGORICAL

BATCH = 500

_A = table(Annotation).c
_COUNTED = (_A.was_cancelled == false(), or_(_A.last_action.is_(None), _A.last_action != KEY_ACTION))
_VOTES = select(_A.completed_by_id, _A.result).where(_A.task_id == bindparam("tid"), *_COUNTED)


def controls(schema: labeling.Schema) -> dict[str, int | None]:
    """The classification controls that vote, with how many answers each allows (None: unknown)."""
    out: dict[str, int | None] = {}
    for name, tag in schema.controls.items():
        kind = tag.type.lower()
        if kind not in CATEGORICAL:
            continue
        if kind == "rating" and tag.max_rating:
            out[name] = tag.max_rating
        elif tag.options and tag.choice != "multiple" and not tag.dynamic_options:
            out[name] = len(tag.options)
        else:
            out[name] = None
    return out


def confidence(schema: labeling.Schema, results: list[tuple[Any, Any]]) -> float | None:
    """The task's consensus confidence from its (annotator, result) pairs."""
    names = controls(schema)
    task = {"id": 0, "annotations": [{"completed_by": who, "result": r or []} for who, r in results]}
    votes = {name: votes_from_tasks([task], name)["label"] for name in names}
    return task_confidence(votes, names)


def _enough(
    quality: quality_control.Quality, schema: labeling.Schema, results: list[tuple[Any, Any]]
) -> bool:
    if len(results) < quality.overlap_min:
        return False
    value = confidence(schema, results)
    return value is not None and value >= quality.confidence_threshold


def active(settings: dict[str, Any] | None) -> bool:
    return (
        quality_control.of_settings(settings).dynamic_overlap
        and (settings or {}).get("require_review") is not True
    )


def settled(db: Session, target: Any) -> bool:
    """Whether the task of `target` (an `annotations.Target`) is done early; False unless dynamic overlap
    is on (then one read of the task's submitted results)."""
    if not active(target.settings):
        return False
    quality = quality_control.of_settings(target.settings)
    results = [(r[0], r[1]) for r in db.execute(_VOTES, {"tid": target.task_id})]
    return _enough(quality, target.schema, results)


def relabel(db: Session, project: Project) -> None:
    """After the settings changed: the tasks between `overlap_min` and the cap that are settled, done.
    Batches of 500 tasks, one read of their results each."""
    if not active(project.settings):
        return
    quality = quality_control.of(project)
    schema = projects.schema(project)
    if not controls(schema):
        return
    last = 0
    while True:
        ids = list(
            db.scalars(
                select(Task.id)
                .where(
                    Task.project_id == project.id,
                    Task.id > last,
                    Task.is_labeled.is_(False),
                    Task.total_annotations >= quality.overlap_min,
                )
                .order_by(Task.id)
                .limit(BATCH)
            )
        )
        if not ids:
            return
        per: dict[int, list[tuple[Any, Any]]] = {}
        rows = db.execute(
            select(_A.task_id, _A.completed_by_id, _A.result).where(_A.task_id.in_(ids), *_COUNTED)
        )
        for tid, who, result in rows:
            per.setdefault(tid, []).append((who, result))
        done = [tid for tid, results in per.items() if _enough(quality, schema, results)]
        if done:
            db.execute(update(Task).where(Task.id.in_(done)).values(is_labeled=True))
        last = ids[-1]


def saving(project: Project) -> dict[str, Any]:
    """Annotations used against what a fixed overlap would take (`maximum_annotations` x tasks), from the
    project's counters."""
    fixed = project.maximum_annotations * project.task_number
    used = project.total_annotations_number
    return {
        "dynamic_overlap": quality_control.of(project).dynamic_overlap,
        "annotations_used": used,
        "annotations_at_fixed_overlap": fixed,
        "annotations_saved": max(fixed - used, 0),
    }
