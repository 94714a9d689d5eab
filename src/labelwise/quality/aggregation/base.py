"""What every categorical aggregator shares: the fitted arrays and their frame views."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.votes import Votes, VotesLike

_TINY = 1e-300


class Aggregator:
    """Subclasses implement `_fit(votes) -> probas` (tasks x classes); the rest is shared.

    After `fit`: `probas_` and `labels_` (in the caller's frame kind), plus the plain arrays `tasks_`,
    `classes_`, `probas` (float matrix) and `label_codes` for code that wants numpy.
    """

    votes_: Votes
    proba_matrix_: npt.NDArray[np.float64]

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        raise NotImplementedError

    def fit(self, data: VotesLike) -> Any:
        votes = Votes.of(data)
        self.votes_ = votes
        self.proba_matrix_ = self._fit(votes) if len(votes) else np.zeros((0, 0))
        return self

    def fit_predict(self, data: VotesLike) -> Any:
        return self.fit(data).labels_

    def fit_predict_proba(self, data: VotesLike) -> Any:
        return self.fit(data).probas_

    @property
    def tasks_(self) -> npt.NDArray[Any]:
        return self.votes_.tasks

    @property
    def classes_(self) -> npt.NDArray[Any]:
        return self.votes_.classes

    @property
    def label_codes_(self) -> npt.NDArray[np.intp]:
        # argmax takes the first of tied classes, i.e. the smallest label: crowd-kit's idxmax does the same
        # over its sorted columns.
        return np.argmax(self.proba_matrix_, axis=1) if self.proba_matrix_.size else np.zeros(0, np.intp)

    @property
    def labels_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.tasks, "task", v.classes[self.label_codes_], "agg_label")

    @property
    def probas_(self) -> Any:
        v = self.votes_
        return frames.matrix(v, v.tasks, "task", self.proba_matrix_, "label")


def vote_counts(votes: Votes, weights: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
    """tasks x classes matrix of (weighted) votes, by one bincount over all votes."""
    flat = votes.task * votes.n_classes + votes.label
    counts = np.bincount(flat, weights=weights, minlength=votes.n_tasks * votes.n_classes)
    matrix: npt.NDArray[np.float64] = counts.reshape(votes.n_tasks, votes.n_classes).astype(np.float64)
    return matrix


def normalize_rows(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    sums = matrix.sum(axis=1, keepdims=True)
    result: npt.NDArray[np.float64] = matrix / np.maximum(sums, _TINY)
    return result


def worker_accuracy(votes: Votes, label_codes: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """Share of each worker's votes that agree with the given task labels."""
    hits = (votes.label == label_codes[votes.task]).astype(np.float64)
    agree = np.bincount(votes.worker, weights=hits, minlength=votes.n_workers)
    total = np.bincount(votes.worker, minlength=votes.n_workers)
    result: npt.NDArray[np.float64] = agree / np.maximum(total, 1)
    return result
