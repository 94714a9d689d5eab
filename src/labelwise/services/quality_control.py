"""A project's quality-control settings: gold tasks, exams, training mode and dynamic overlap.

Kept in `project.settings` (JSON, no migration per flag) like the distribution flags, set by top-level
fields of create/PATCH and answered as top-level fields of the project JSON:

- `gold_rate` (0..1, default 0 = off): the chance that `next` hands an annotator a gold task they have not
  done instead of the normal rules' choice (services/queue.py).
- `gold_min_answers` (k, default 5) and `gold_threshold` (0..1, default 0.7): after at least k gold answers
  an annotator whose accuracy (mean score) is below the threshold is paused (services/gold.py).
- `exam_tasks` (default 0 = off) and `exam_threshold` (0..1, default 0.8): annotators first answer that many
  gold tasks and only get other work when the share answered correctly reaches the threshold
  (services/exams.py); a failed exam is a 403 from `next` until a manager resets it.
- `training` (default false): the annotation create response on a gold task carries `feedback`
  (correct, score, the ground-truth result), which the labeling screen shows with the instructions.
- `dynamic_overlap` (default false), `overlap_min` (default 2), `confidence_threshold` (0..1, default 0.9):
  a task is done once it has `overlap_min` annotations and the consensus confidence reaches the threshold,
  or `maximum_annotations` annotations whatever they say (services/consensus.py, services/counters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelwise.db.models import Project
from labelwise.services.errors import Invalid

# name: (kind, default, low, high)
FIELDS: dict[str, tuple[type, Any, float, float]] = {
    "gold_rate": (float, 0.0, 0.0, 1.0),
    "gold_min_answers": (int, 5, 1, 10_000),
    "gold_threshold": (float, 0.7, 0.0, 1.0),
    "exam_tasks": (int, 0, 0, 1000),
    "exam_threshold": (float, 0.8, 0.0, 1.0),
    "training": (bool, False, 0, 1),
    "dynamic_overlap": (bool, False, 0, 1),
    "overlap_min": (int, 2, 1, 1000),
    "confidence_threshold": (float, 0.9, 0.0, 1.0),
}
# Settings after which `is_labeled` must be recomputed for every task.
RELABEL = ("dynamic_overlap", "overlap_min", "confidence_threshold")


@dataclass(frozen=True)
class Quality:
    """The settings, typed and with their defaults, read once per call."""

    gold_rate: float
    gold_min_answers: int
    gold_threshold: float
    exam_tasks: int
    exam_threshold: float
    training: bool
    dynamic_overlap: bool
    overlap_min: int
    confidence_threshold: float


def of_settings(settings: dict[str, Any] | None) -> Quality:
    stored = settings or {}
    values = {}
    for name, (kind, default, _, _) in FIELDS.items():
        value = stored.get(name, default)
        values[name] = kind(value) if _valid(kind, value) else default
    return Quality(**values)


def of(project: Project) -> Quality:
    return of_settings(project.settings)


def _valid(kind: type, value: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if kind is int else isinstance(value, int | float)


def clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The settings entries a create/PATCH body sets (only those it names); 400 naming the field."""
    out: dict[str, Any] = {}
    for name, (kind, _, low, high) in FIELDS.items():
        if name not in fields:
            continue
        value = fields[name]
        if not _valid(kind, value):
            raise Invalid(f"{name}: must be a {kind.__name__}", {name: [f"must be a {kind.__name__}"]})
        if kind is not bool and not low <= value <= high:
            bounds = f"from {low:g} to {high:g}"
            raise Invalid(f"{name}: must be {bounds}", {name: [bounds]})
        out[name] = kind(value)
    return out


def serialize(project: Project) -> dict[str, Any]:
    q = of(project)
    return {name: getattr(q, name) for name in FIELDS}
