"""Bounding boxes from several workers: clustered by overlap, then averaged and voted.

Each task's boxes are grouped bottom-up: the two groups with the highest mean IoU between their members are
merged while that mean reaches `threshold` and the two groups share no worker, so a worker's two boxes are
never one object and a cluster holds at most one box per worker. A cluster drawn by at least `min_share` of the
task's workers (by skill weight when skills are given) is an object: its coordinates are the (weighted) mean or
the median of its members', its label the (weighted) vote of their labels. Clustering before voting is what
lets workers disagree on a label and still agree that something is there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality.aggregation.answers import Answers, Box, field, plain
from labelwise.quality.regions import geometry

AVERAGES = ("mean", "median")


@dataclass
class BoxVote:
    """Boxes in Label Studio's percent coordinates, clustered by IoU across the workers of each task.

    `fit(data, skills=None)`: `data` has columns `task`, `worker`, `boxes` (a list of
    `(x, y, width, height, label)` or of mappings with `x`, `y`, `width`, `height` and `label` or Label
    Studio's `rectanglelabels`; an empty list when the worker drew nothing). Rotation is not read: boxes are
    axis-aligned.

    After `fit`: `labels_` (per task, a list of `Box(x, y, width, height, label)`, top to bottom), `scores_`
    (per task, each box's share of the workers) and `confidence_` (per task, over every cluster found, kept
    or not, the mean of how clear-cut it was, max(share, 1 - share); 1 when nobody drew anything).
    """

    threshold: float = 0.5
    min_share: float = 0.5
    average: str = "mean"
    default_skill: float | None = None

    def fit(self, data: Any, skills: Any = None) -> BoxVote:
        if self.average not in AVERAGES:
            raise ValueError(f"average must be one of {', '.join(AVERAGES)}, not {self.average!r}")
        if not 0 < self.threshold <= 1 or not 0 <= self.min_share <= 1:
            raise ValueError("threshold must be in (0, 1] and min_share in [0, 1]")
        answers = Answers.of(data, "boxes")
        weights = answers.weights(skills, self.default_skill)
        tasks = []
        for t, rows in answers.groups():
            task = plain(answers.tasks[t])
            given = [_boxes(answers.values[r], task, plain(answers.workers[answers.worker[r]])) for r in rows]
            tasks.append((_Drawn.of(given), weights[rows]))
        clusters = _clusters_of([drawn for drawn, _ in tasks], self.threshold)
        boxes: list[list[Box]] = []
        scores: list[list[float]] = []
        confidence = np.ones(len(answers.tasks))
        for t, ((drawn, w), found) in enumerate(zip(tasks, clusters, strict=True)):
            kept, kept_scores, confidence[t] = self._decide(drawn, found, w)
            boxes.append(kept)
            scores.append(kept_scores)
        self.answers_ = answers
        self.box_values_, self.score_values_, self.confidence_values_ = boxes, scores, confidence
        return self

    def fit_predict(self, data: Any, skills: Any = None) -> Any:
        return self.fit(data, skills).labels_

    @property
    def labels_(self) -> Any:
        return self.answers_.per_task(self.box_values_, "agg_boxes")

    @property
    def scores_(self) -> Any:
        return self.answers_.per_task(self.score_values_, "scores")

    @property
    def confidence_(self) -> Any:
        return self.answers_.per_task(self.confidence_values_.tolist(), "confidence")

    def vote(
        self, given: Sequence[Sequence[Box]], weights: npt.NDArray[np.float64]
    ) -> tuple[list[Box], list[float], float]:
        """The boxes, their scores and the confidence of one task from each worker's boxes."""
        drawn = _Drawn.of(given)
        return self._decide(drawn, _clusters_of([drawn], self.threshold)[0], weights)

    def _decide(
        self, drawn: _Drawn, clusters: list[list[int]], weights: npt.NDArray[np.float64]
    ) -> tuple[list[Box], list[float], float]:
        """Which clusters are objects (by share of the workers), with their averaged box and voted label."""
        if not drawn.flat:
            return [], [], 1.0
        if weights.sum() <= 0:
            weights = np.ones(drawn.workers)
        owner, coords = drawn.owner, drawn.coords
        kept: list[tuple[Box, float]] = []
        clarity = []
        for members in clusters:
            share = float(weights[owner[members]].sum() / weights.sum())
            clarity.append(max(share, 1.0 - share))
            if share < self.min_share - 1e-12:
                continue
            w = weights[owner[members]]
            if self.average == "median" or w.sum() <= 0:
                xywh = np.median(coords[members], axis=0)
            else:
                xywh = (coords[members] * w[:, None]).sum(axis=0) / w.sum()
            x, y, width, height = (float(v) for v in xywh)
            kept.append((Box(x, y, width, height, _label([drawn.flat[i].label for i in members], w)), share))
        kept.sort(key=lambda k: (k[0].y, k[0].x, k[0].width, k[0].height, str(k[0].label)))
        return [k[0] for k in kept], [k[1] for k in kept], float(np.mean(clarity))


@dataclass
class _Drawn:
    """One task's boxes, all workers' in one list: in worker order, each worker's by coordinates then label
    (so the clustering does not depend on the order the rows came in), with the worker of each."""

    flat: list[Box]
    owner: npt.NDArray[np.intp]
    coords: npt.NDArray[np.float64]
    workers: int

    @classmethod
    def of(cls, given: Sequence[Sequence[Box]]) -> _Drawn:
        owner = np.asarray([w for w, boxes in enumerate(given) for _ in boxes], dtype=np.intp)
        flat = [b for boxes in given for b in sorted(boxes, key=lambda b: (*b[:4], str(b.label)))]
        coords = np.asarray([b[:4] for b in flat], dtype=np.float64).reshape(len(flat), 4)
        return cls(flat, owner, coords, len(given))


def _clusters_of(tasks: Sequence[_Drawn], threshold: float) -> list[list[list[int]]]:
    """Each task's clusters (lists of indices into its boxes). Tasks with the same number of boxes are
    clustered together, as one stack of matrices: the per-task loop in Python cost far more than the
    arithmetic on a dozen boxes (bench/run_regions.py)."""
    found: list[list[list[int]]] = [[] for _ in tasks]
    by_size: dict[int, list[int]] = {}
    for t, drawn in enumerate(tasks):
        if drawn.flat:
            by_size.setdefault(len(drawn.flat), []).append(t)
    for which in by_size.values():
        coords = np.stack([tasks[t].coords for t in which])
        owner = np.stack([tasks[t].owner for t in which])
        for t, clusters in zip(which, _agglomerate(coords, owner, threshold), strict=True):
            found[t] = clusters
    return found


def _agglomerate(
    coords: npt.NDArray[np.float64], owner: npt.NDArray[np.intp], threshold: float
) -> list[list[list[int]]]:
    """Average-linkage agglomeration under the one-box-per-worker rule, for a stack of tasks of n boxes each
    (`coords` tasks x n x 4, `owner` tasks x n), every task one merge per round; on equal means the
    earliest pair (row-major) merges first, so the result does not depend on row order."""
    count, n = owner.shape
    linked = geometry.box_iou(coords, coords)  # sum of member IoUs between two clusters
    size = np.ones((count, n))
    shared = owner[:, :, None] == owner[:, None, :]  # the two clusters have a worker in common
    alive = np.ones((count, n), dtype=bool)
    root = np.tile(np.arange(n), (count, 1))  # the cluster each box is in
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    while True:
        mean = linked / (size[:, :, None] * size[:, None, :])
        allowed = upper & ~shared & alive[:, :, None] & alive[:, None, :] & (mean >= threshold - 1e-12)
        flat = allowed.reshape(count, n * n)
        merging = np.flatnonzero(flat.any(axis=1))
        if not len(merging):
            break
        best = np.argmax(np.where(allowed[merging], mean[merging], -1.0).reshape(len(merging), n * n), axis=1)
        i, j = best // n, best % n
        linked[merging, i, :] += linked[merging, j, :]
        linked[merging, :, i] = linked[merging, i, :]
        size[merging, i] += size[merging, j]
        shared[merging, i, :] |= shared[merging, j, :]
        shared[merging, :, i] = shared[merging, i, :]
        alive[merging, j] = False
        moved = root[merging] == j[:, None]
        root[merging] = np.where(moved, i[:, None], root[merging])
    return [
        [np.flatnonzero(root[t] == c).tolist() for c in np.flatnonzero(alive[t]).tolist()]
        for t in range(count)
    ]


def _label(labels: Sequence[Any], weights: npt.NDArray[np.float64]) -> Any:
    """The (weighted) most frequent label; ties to the smallest."""
    totals: dict[Any, float] = {}
    for label, w in zip(labels, weights.tolist(), strict=True):
        totals[label] = totals.get(label, 0.0) + w
    return min(totals, key=lambda x: (-totals[x], type(x).__name__, str(x)))


def _boxes(value: Any, task: Any, worker: Any) -> list[Box]:
    """A worker's boxes, checked: finite coordinates and a positive width and height."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise ValueError(
            f"task {task!r}, worker {worker!r}: boxes must be a list, not {type(value).__name__}"
        )
    out = []
    for item in value:
        try:
            numbers = [float(field(item, (name,), i)) for i, name in enumerate(("x", "y", "width", "height"))]
            label = field(item, ("label", "rectanglelabels", "labels"), 4)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"task {task!r}, worker {worker!r}: {exc}") from exc
        if not all(math.isfinite(v) for v in numbers) or numbers[2] <= 0 or numbers[3] <= 0:
            raise ValueError(
                f"task {task!r}, worker {worker!r}: a box needs finite coordinates and a positive width and "
                f"height, not {item!r:.80}"
            )
        out.append(Box(numbers[0], numbers[1], numbers[2], numbers[3], label))
    return out
