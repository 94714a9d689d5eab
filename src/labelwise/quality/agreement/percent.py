"""Percent agreement: the share of annotator pairs on a task that gave the same label.

Per task this is Label Studio Enterprise's task agreement for exact-match labels (the mean pairwise score), so
the figures are comparable; overall, the mean over tasks with at least two votes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.aggregation.base import vote_counts
from labelwise.quality.votes import Votes, VotesLike


def pair_agreement(counts: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """(agreeing share of pairs per task, which tasks have two votes or more) from a tasks x classes count matrix."""
    n = counts.sum(axis=1)
    rated = n >= 2
    agreeing = (counts * (counts - 1)).sum(axis=1)
    share = np.divide(agreeing, n * (n - 1), out=np.full(len(n), np.nan), where=rated)
    return share, rated


def task_agreement(data: VotesLike) -> Any:
    """Agreement per task (NaN where fewer than two annotators voted), in the caller's frame kind."""
    votes = Votes.of(data)
    share, _ = pair_agreement(vote_counts(votes))
    return frames.series(votes, votes.tasks, "task", share, "agreement")


def percent_agreement(data: VotesLike) -> float:
    """Mean agreement over the tasks that two or more annotators labelled."""
    votes = Votes.of(data)
    share, rated = pair_agreement(vote_counts(votes))
    return float(share[rated].mean()) if rated.any() else float("nan")
