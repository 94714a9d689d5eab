"""Which annotations of a task an export takes, and whether predictions come along."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["all", "ground_truth", "latest"]


@dataclass(frozen=True)
class ExportOptions:
    annotations: Mode = "all"
    include_predictions: bool = False


def annotations_of(task: dict[str, Any], options: ExportOptions) -> list[dict[str, Any]]:
    """Submitted (not skipped) annotations, narrowed to ground truth or the latest when asked."""
    kept = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if options.annotations == "ground_truth":
        return [a for a in kept if a.get("ground_truth")]
    if options.annotations == "latest" and kept:
        return [max(kept, key=lambda a: (str(a.get("updated_at") or ""), a.get("id") or 0))]
    return kept


def labelled(task: dict[str, Any], options: ExportOptions) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """("annotation", a) for each chosen annotation, ("prediction", p) when asked, or one
    ("none", None) for a task with neither, so unlabeled tasks still appear once."""
    found = False
    for a in annotations_of(task, options):
        found = True
        yield "annotation", a
    if options.include_predictions:
        for p in task.get("predictions") or []:
            found = True
            yield "prediction", p
    if not found:
        yield "none", None
