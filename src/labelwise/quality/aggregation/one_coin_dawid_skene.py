"""One-coin Dawid-Skene: one accuracy per worker instead of a full confusion matrix.

Fewer parameters than Dawid-Skene, so it behaves better when each worker answered few tasks. Same EM loop and
stopping rule as crowd-kit's `OneCoinDawidSkene`: a worker's skill is the mean posterior of the labels they
gave; a wrong answer is spread evenly over the other classes.
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
class OneCoinDawidSkene(Aggregator):
    n_iter: int = 100
    tol: float = 1e-5
    loss_history_: list[float] = field(default_factory=list, init=False, repr=False)

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        pairs = Pairs.of(votes)
        skills: list[npt.NDArray[np.float64]] = []

        def m_step(probas: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            skills[:] = [_skills(votes, probas)]
            return _errors(pairs, skills[0], votes.n_classes)

        probas, priors, _ = em.run(votes, pairs, m_step, self.n_iter, self.tol, self.loss_history_)
        self.skill_values_ = skills[0]
        self.priors_values_ = priors
        return probas

    @property
    def skills_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.skill_values_, "skill")

    @property
    def priors_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.classes, "label", self.priors_values_, "prior")


def _skills(votes: Votes, probas: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    right = probas[votes.task, votes.label]
    total = np.bincount(votes.worker, minlength=votes.n_workers)
    result: npt.NDArray[np.float64] = np.bincount(
        votes.worker, weights=right, minlength=votes.n_workers
    ) / np.maximum(total, 1)
    return result


def _errors(pairs: Pairs, skills: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.float64]:
    """(W*K) x K rows: `skill` on the diagonal, the rest of the mass spread evenly; zero for unused labels."""
    wrong = (1.0 - skills) / max(k - 1, 1)
    rows = np.repeat(wrong, k)[:, None] * np.ones((1, k))
    diagonal = np.tile(np.eye(k, dtype=bool), (len(skills), 1))
    rows[diagonal] = np.repeat(skills, k)
    rows = np.clip(rows, EPS, 1 - EPS)
    rows[~pairs.observed] = 0.0
    return rows
