"""Ratings and numbers on a scale from several workers: the mean, the median, or Dawid-Skene on the scale.

The mean and the median treat the scale as numbers (a 4 and a 5 are close); Dawid-Skene treats its points
as classes and learns, per worker, who rates high or low or at random, which a mean cannot, at the price of
needing several ratings per worker. The confidence is comparable across the three: for the mean and the
median, 1 minus the mean distance of the votes to the answer over the scale's range; for Dawid-Skene, the
posterior probability of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.aggregation.dawid_skene import DawidSkene
from labelwise.quality.votes import Votes, VotesLike

METHODS = ("mean", "median", "ds")


@dataclass
class RatingAggregator:
    """One value per task from numeric votes (`task`, `worker`, `label`), by `method`.

    `scale` is the range the distances are measured against (a 1-5 rating: 4); by default the range of all
    the votes. After `fit`: `labels_` (the mean, the median, or Dawid-Skene's most probable point),
    `confidence_` per task, `skills_` per worker (1 minus their mean distance to the answers over the scale;
    for Dawid-Skene, their chance of giving the right point), and for Dawid-Skene `probas_`.
    """

    method: str = "mean"
    scale: float | None = None
    n_iter: int = 100
    tol: float = 1e-5

    def fit(self, data: VotesLike) -> RatingAggregator:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {self.method!r}")
        votes = Votes.of(data)
        if len(votes) and votes.classes.dtype.kind not in "iuf":
            raise ValueError(f"ratings must be numbers, not {votes.classes[0]!r:.40}")
        self.votes_ = votes
        values = votes.classes[votes.label].astype(np.float64) if len(votes) else np.zeros(0)
        scale = self.scale if self.scale is not None else (float(np.ptp(values)) if len(values) else 0.0)
        if scale < 0:
            raise ValueError("scale must not be negative")
        self.fitted_: DawidSkene | None = None
        answers: npt.NDArray[np.float64]
        confidence: npt.NDArray[np.float64]
        skills: npt.NDArray[np.float64]
        if not len(votes):
            answers = confidence = skills = np.zeros(0)
        elif self.method == "ds":
            ds = DawidSkene(n_iter=self.n_iter, tol=self.tol).fit(votes)
            self.fitted_ = ds
            codes = ds.label_codes_
            answers = votes.classes[codes].astype(np.float64)
            confidence = ds.proba_matrix_[np.arange(len(codes)), codes]
            skills = np.diagonal(ds.error_values_, axis1=1, axis2=2) @ ds.priors_values_
        else:
            answers = _mean(votes, values) if self.method == "mean" else _median(votes, values)
            distance = _closeness(np.abs(values - answers[votes.task]), scale)
            confidence = _per(votes.task, distance, votes.n_tasks)
            skills = _per(votes.worker, distance, votes.n_workers)
        self.label_values_, self.confidence_values_, self.skill_values_ = answers, confidence, skills
        return self

    def fit_predict(self, data: VotesLike) -> Any:
        return self.fit(data).labels_

    @property
    def tasks_(self) -> npt.NDArray[Any]:
        return self.votes_.tasks

    @property
    def labels_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.tasks, "task", self.label_values_, "agg_label")

    @property
    def confidence_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.tasks, "task", self.confidence_values_, "confidence")

    @property
    def skills_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.skill_values_, "skill")

    @property
    def probas_(self) -> Any:
        if self.fitted_ is None:
            raise AttributeError("probas_ exists for method='ds' only")
        return self.fitted_.probas_


def _mean(votes: Votes, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return _per(votes.task, values, votes.n_tasks)


def _median(votes: Votes, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Per task the median (the mean of the two middle votes of an even count), from one sort of all votes."""
    order = np.lexsort((values, votes.task))
    ordered = values[order]
    counts = np.bincount(votes.task, minlength=votes.n_tasks)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    low, high = starts + (counts - 1) // 2, starts + counts // 2
    result: npt.NDArray[np.float64] = (ordered[low] + ordered[high]) / 2.0
    return result


def _per(index: npt.NDArray[np.intp], values: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """The mean of `values` per index."""
    sums = np.bincount(index, weights=values, minlength=n)
    result: npt.NDArray[np.float64] = sums / np.maximum(np.bincount(index, minlength=n), 1)
    return result


def _closeness(distance: npt.NDArray[np.float64], scale: float) -> npt.NDArray[np.float64]:
    """1 at the answer, 0 a whole scale away (or, on a scale of no width, anywhere but the answer)."""
    if scale <= 0:
        exact: npt.NDArray[np.float64] = np.where(distance == 0, 1.0, 0.0)
        return exact
    result: npt.NDArray[np.float64] = np.clip(1.0 - distance / scale, 0.0, 1.0)
    return result
