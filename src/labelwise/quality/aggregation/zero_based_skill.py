"""Zero-based skill: weighted majority vote whose weights move towards each annotator's agreement with it.

Skills start at 1/K (plus a little) and take a gradient step towards the share of an annotator's votes that
match the current weighted vote, with a learning rate halved every `lr_steps_to_reduce` rounds; as crowd-kit's
`ZeroBasedSkill`. Each round is two bincounts over all votes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.aggregation.base import Aggregator, normalize_rows, vote_counts, worker_accuracy
from labelwise.quality.votes import Votes


@dataclass
class ZeroBasedSkill(Aggregator):
    n_iter: int = 100
    lr_init: float = 1.0
    lr_steps_to_reduce: int = 20
    lr_reduce_factor: float = 0.5
    eps: float = 1e-5

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        skills = np.full(votes.n_workers, 1.0 / votes.n_classes + self.eps)
        rate = self.lr_init
        for iteration in range(1, self.n_iter + 1):
            if iteration % self.lr_steps_to_reduce == 0:
                rate *= self.lr_reduce_factor
            labels = np.argmax(vote_counts(votes, skills[votes.worker]), axis=1)
            skills = skills + rate * (worker_accuracy(votes, labels) - skills)
        self.skill_values_ = skills
        return normalize_rows(vote_counts(votes, skills[votes.worker]))

    @property
    def skills_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.skill_values_, "skill")
