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
from labelwise.quality.aggregation.base import Aggregator, normalize_rows, vote_counts
from labelwise.quality.aggregation.dawid_skene import _elbo
from labelwise.quality.aggregation.em import EPS, Pairs, posterior, safe_log
from labelwise.quality.votes import Votes


@dataclass
class OneCoinDawidSkene(Aggregator):
    n_iter: int = 100
    tol: float = 1e-5
    loss_history_: list[float] = field(default_factory=list, init=False, repr=False)

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        pairs = Pairs.of(votes)
        probas = normalize_rows(vote_counts(votes))
        priors = probas.mean(axis=0)
        skills = _skills(votes, probas)
        errors = _errors(pairs, skills, votes.n_classes)
        self.loss_history_ = []
        loss = -np.inf
        for _ in range(self.n_iter):
            probas = posterior(np.log(np.maximum(priors, EPS)) + pairs.by_task @ safe_log(errors))
            priors = probas.mean(axis=0)
            skills = _skills(votes, probas)
            errors = _errors(pairs, skills, votes.n_classes)
            new_loss = _elbo(pairs, probas, priors, errors) / len(votes)
            self.loss_history_.append(new_loss)
            if new_loss - loss < self.tol:
                break
            loss = new_loss
        self.skill_values_ = skills
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
