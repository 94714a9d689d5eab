"""The sparse matrices Dawid-Skene-family EM runs on, built once per fit.

`pairs` is (workers*classes) x tasks: how many votes of label l worker w gave on task t. With it, both EM
steps are one sparse-dense product over all votes: the M-step's confusion counts are `pairs @ probas`, the
E-step's log-likelihoods are `pairs.T @ log(errors)`. Duplicate votes simply count twice, as they do in
crowd-kit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from labelwise.quality.aggregation.base import normalize_rows, vote_counts
from labelwise.quality.votes import Votes

EPS = 1e-10


@dataclass(frozen=True)
class Pairs:
    by_pair: sparse.csr_matrix  # (W*K) x T
    by_task: sparse.csr_matrix  # T x (W*K)
    observed: npt.NDArray[np.bool_]  # (W*K,) worker w gave label l at least once
    votes_per_task: npt.NDArray[np.float64]

    @classmethod
    def of(cls, votes: Votes) -> Pairs:
        k = votes.n_classes
        rows = votes.worker * k + votes.label
        ones = np.ones(len(votes), dtype=np.float64)
        shape = (votes.n_workers * k, votes.n_tasks)
        by_pair = sparse.csr_matrix((ones, (rows, votes.task)), shape=shape)
        by_pair.sum_duplicates()
        return cls(
            by_pair=by_pair,
            by_task=by_pair.T.tocsr(),
            observed=np.bincount(rows, minlength=shape[0]) > 0,
            votes_per_task=np.bincount(votes.task, minlength=votes.n_tasks).astype(np.float64),
        )


def safe_log(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out = np.zeros_like(values)
    np.log(values, out=out, where=values > 0)
    return out


def posterior(log_likelihood: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rows of log-likelihoods to probabilities, shifted by each row's maximum so nothing underflows."""
    shifted = np.exp(log_likelihood - log_likelihood.max(axis=1, keepdims=True))
    result: npt.NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def elbo(
    pairs: Pairs,
    probas: npt.NDArray[np.float64],
    priors: npt.NDArray[np.float64],
    errors: npt.NDArray[np.float64],
) -> float:
    log_priors = np.log(np.maximum(priors, EPS))
    joint = float((probas * (pairs.by_task @ safe_log(errors))).sum())
    joint += float((probas * pairs.votes_per_task[:, None]).sum(axis=0) @ log_priors)
    clipped = np.maximum(probas, EPS)
    entropy = -float((np.log(clipped) * clipped).sum())
    return joint + entropy


def run(
    votes: Votes,
    pairs: Pairs,
    m_step: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    n_iter: int,
    tol: float,
    history: list[float],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """crowd-kit's EM loop for the Dawid-Skene family: start from the majority vote, then E and M steps until
    the evidence lower bound per vote improves by less than `tol`. `m_step(probas)` returns the (W*K) x K
    confusion rows; `history` receives the bound of every round. Returns (probas, priors, errors)."""
    probas = normalize_rows(vote_counts(votes))
    priors = probas.mean(axis=0)
    errors = m_step(probas)
    history.clear()
    loss = -np.inf
    for _ in range(n_iter):
        probas = posterior(np.log(np.maximum(priors, EPS)) + pairs.by_task @ safe_log(errors))
        priors = probas.mean(axis=0)
        errors = m_step(probas)
        new_loss = elbo(pairs, probas, priors, errors) / len(votes)
        history.append(new_loss)
        if new_loss - loss < tol:
            break
        loss = new_loss
    return probas, priors, errors
