"""Dawid-Skene: a confusion matrix per worker, estimated with EM over all votes at once.

The algorithm is crowd-kit's (majority-vote start, M-step, then E/M until the evidence lower bound per vote
improves by less than `tol`), so labels and probabilities match it; the work is two sparse-dense products
per iteration (`em.Pairs`) instead of frame joins and group-bys, which is what makes a million votes take
well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.aggregation import em
from labelwise.quality.aggregation.base import Aggregator
from labelwise.quality.aggregation.em import EPS, Pairs
from labelwise.quality.votes import Votes


@dataclass
class DawidSkene(Aggregator):
    """`errors_[w, observed, true]` is the probability that worker w answers `observed` when `true` is right."""

    n_iter: int = 100
    tol: float = 1e-5
    loss_history_: list[float] = field(default_factory=list, init=False, repr=False)

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        pairs = Pairs.of(votes)
        k = votes.n_classes
        probas, priors, errors = em.run(
            votes, pairs, lambda p: _m_step(pairs, p, k), self.n_iter, self.tol, self.loss_history_
        )
        self.priors_values_ = priors
        self.error_values_ = errors.reshape(votes.n_workers, k, k)
        return probas

    @property
    def priors_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.classes, "label", self.priors_values_, "prior")

    @property
    def errors_(self) -> Any:
        """pandas: indexed by (worker, label) with a column per true label, as crowd-kit; else the 3-d array."""
        v = self.votes_
        if v.backend != "pandas":
            return self.error_values_
        import pandas as pd

        k = v.n_classes
        observed = self.error_values_.reshape(v.n_workers * k, k)
        index = pd.MultiIndex.from_arrays(
            [np.repeat(v.workers, k), np.tile(v.classes, v.n_workers)], names=["worker", "label"]
        )
        frame = pd.DataFrame(observed, index=index, columns=pd.Index(v.classes, name="label"))
        return frame[Pairs.of(v).observed]


def _m_step(pairs: Pairs, probas: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.float64]:
    """(W*K) x K confusion rows: expected counts, clipped at EPS where the worker used the label, normalized
    over each worker's observed labels (labels a worker never gave stay at zero, as in crowd-kit)."""
    counts = np.asarray(pairs.by_pair @ probas)
    counts = np.where(pairs.observed[:, None], np.maximum(counts, EPS), 0.0)
    per_worker = counts.reshape(-1, k, k)
    per_worker /= per_worker.sum(axis=1, keepdims=True)
    return per_worker.reshape(-1, k)
