"""Which annotations of a task an export takes, and whether predictions come along.

Every writer asks here instead of reading `task["annotations"]` itself, so "latest" or "ground
truth" means the same thing in a CSV file as in a YOLO zip. "aggregated" takes the task's consensus
(`task["consensus"]`, one entry per control, written by `services/consensus.py`) as its one annotation,
with the lowest confidence of its controls as `score`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args

Mode = Literal["all", "ground_truth", "latest", "aggregated"]
MODES: tuple[str, ...] = get_args(Mode)

ANNOTATION = "annotation"
PREDICTION = "prediction"


@dataclass(frozen=True)
class ExportOptions:
    annotations: Mode = "all"
    include_predictions: bool = False

    def __post_init__(self) -> None:
        # The CLI passes a plain string through: a typo must fail here, not export everything.
        if self.annotations not in MODES:
            raise ValueError(f"annotations must be one of {', '.join(MODES)}, not {self.annotations!r}")


@dataclass(frozen=True)
class Source:
    """An annotation or a prediction of one task: what a row or a label file is made from."""

    kind: str  # ANNOTATION or PREDICTION
    item: dict[str, Any]

    @property
    def result(self) -> list[dict[str, Any]]:
        result = self.item.get("result")
        return [r for r in result if isinstance(r, dict)] if isinstance(result, list) else []


def _when(item: dict[str, Any]) -> tuple[str, int]:
    ident = item.get("id")
    return str(item.get("updated_at") or item.get("created_at") or ""), ident if isinstance(ident, int) else 0


def annotations_of(task: dict[str, Any], options: ExportOptions) -> list[dict[str, Any]]:
    """Submitted (not skipped) annotations, narrowed to ground truth or the latest when asked.

    A skipped annotation says "I did not label this", so it never becomes a label. With
    "ground_truth" a task without one contributes no annotation rather than a stand-in.
    """
    if options.annotations == "aggregated":
        found = consensus_of(task)
        return [found] if found is not None else []
    raw = task.get("annotations") or []
    kept = [a for a in raw if isinstance(a, dict) and not a.get("was_cancelled")]
    if options.annotations == "ground_truth":
        return [a for a in kept if a.get("ground_truth")]
    if options.annotations == "latest" and kept:
        return [max(kept, key=_when)]
    return kept


def consensus_of(task: dict[str, Any]) -> dict[str, Any] | None:
    """The task's consensus as one annotation-shaped item: every control's result, `score` the lowest
    confidence among them; None when the task has no consensus (it contributes no annotation then)."""
    entries = [e for e in task.get("consensus") or [] if isinstance(e, dict)]
    if not entries:
        return None
    result = [r for e in entries for r in e.get("result") or [] if isinstance(r, dict)]
    scores = [e["score"] for e in entries if isinstance(e.get("score"), int | float)]
    return {
        "id": None,
        "completed_by": None,
        "result": result,
        "score": min(scores) if scores else None,
        "origin": "consensus",
        "ground_truth": False,
        "was_cancelled": False,
    }


def predictions_of(task: dict[str, Any], options: ExportOptions) -> list[dict[str, Any]]:
    if not options.include_predictions:
        return []
    return [p for p in task.get("predictions") or [] if isinstance(p, dict)]


def sources(task: dict[str, Any], options: ExportOptions) -> Iterator[Source]:
    """The chosen annotations, then the task's predictions when the export includes them."""
    for a in annotations_of(task, options):
        yield Source(ANNOTATION, a)
    for p in predictions_of(task, options):
        yield Source(PREDICTION, p)


def primary(task: dict[str, Any], options: ExportOptions) -> Source | None:
    """One source for formats that hold a single labeling per item (a label file per image).

    Among the chosen annotations the ground truth wins, then the most recently updated; a
    prediction (the highest scored) stands in only when no annotation was chosen.
    """
    chosen = annotations_of(task, options)
    if chosen:
        return Source(ANNOTATION, max(chosen, key=lambda a: (bool(a.get("ground_truth")), _when(a))))
    predictions = predictions_of(task, options)
    if predictions:
        return Source(PREDICTION, max(predictions, key=lambda p: _score(p.get("score"))))
    return None


def _score(raw: Any) -> float:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else float("-inf")
