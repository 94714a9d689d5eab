"""Majority vote, optionally weighted by a skill per worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.aggregation.base import Aggregator, normalize_rows, vote_counts, worker_accuracy
from labelwise.quality.votes import Votes, VotesLike


@dataclass
class MajorityVote(Aggregator):
    """The label with the most votes (ties: the smallest label); `skills_` is each worker's agreement with it.

    `fit(data, skills)` weighs votes by a skill per worker (a mapping or a pandas Series by worker);
    `default_skill` stands in for workers missing from it (else they are an error).
    """

    default_skill: float | None = None

    def fit(self, data: VotesLike, skills: Any = None) -> MajorityVote:
        self._skills = skills
        super().fit(data)
        return self

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        weights = None if self._skills is None else _weights(votes, self._skills, self.default_skill)
        probas = normalize_rows(vote_counts(votes, weights))
        self.skill_values_ = worker_accuracy(votes, np.argmax(probas, axis=1))
        return probas

    @property
    def skills_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.skill_values_, "skill")


def _weights(votes: Votes, skills: Any, default: float | None) -> npt.NDArray[np.float64]:
    mapping = dict(skills.items()) if hasattr(skills, "items") else dict(skills)
    per_worker = np.empty(votes.n_workers)
    for i, worker in enumerate(votes.workers.tolist()):
        if worker in mapping:
            per_worker[i] = float(mapping[worker])
        elif default is not None:
            per_worker[i] = default
        else:
            raise ValueError(f"no skill for worker {worker!r}; pass default_skill to use a value for them")
    return per_worker[votes.worker]
