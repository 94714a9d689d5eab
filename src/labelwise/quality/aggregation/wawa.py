"""Wawa (worker agreement with aggregate): majority vote weighted by each worker's agreement with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.aggregation.base import Aggregator, normalize_rows, vote_counts, worker_accuracy
from labelwise.quality.votes import Votes


@dataclass
class Wawa(Aggregator):
    """Two passes: a plain majority vote, then each vote weighted by its worker's accuracy against it."""

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        first = np.argmax(normalize_rows(vote_counts(votes)), axis=1)
        self.skill_values_ = worker_accuracy(votes, first)
        return normalize_rows(vote_counts(votes, self.skill_values_[votes.worker]))

    @property
    def skills_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.skill_values_, "skill")
