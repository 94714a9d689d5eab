"""Fleiss' kappa: agreement among many annotators beyond what their label frequencies make likely.

Tasks may have different numbers of annotators (each task's agreement uses its own count); with the same
number on every task this is exactly statsmodels' `fleiss_kappa`. Tasks with fewer than two votes are left out.
"""

from __future__ import annotations

from labelwise.quality.aggregation.base import vote_counts
from labelwise.quality.agreement.percent import pair_agreement
from labelwise.quality.votes import Votes, VotesLike


def fleiss_kappa(data: VotesLike) -> float:
    votes = Votes.of(data)
    counts = vote_counts(votes)
    share, rated = pair_agreement(counts)
    if not rated.any():
        return float("nan")
    counts = counts[rated]
    observed = float(share[rated].mean())
    proportions = counts.sum(axis=0) / counts.sum()
    expected = float((proportions**2).sum())
    if expected >= 1.0:
        return (
            1.0 if observed >= 1.0 else float("nan")
        )  # one label only: agreement is perfect but uninformative
    return (observed - expected) / (1.0 - expected)
