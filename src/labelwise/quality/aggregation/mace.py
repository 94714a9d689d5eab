"""MACE (Hovy et al., NAACL 2013): each annotator either knows the answer or follows a spamming strategy.

A vote is right with the annotator's "knowing" probability, otherwise drawn from that annotator's own label
distribution (theta), so MACE spots annotators who always press the same key. Variational Bayes (the default,
Beta(0.5, 0.5) and Dirichlet(10) priors) or EM, from random starting points; the restart with the highest
marginal likelihood wins. Unlike crowd-kit 1.4.2, whose restarts all reuse one seed (so they are one run) and
whose strategy counts are matched to annotators by sorted name rather than by code, each restart here draws its
own start and every count stays aligned with its annotator; on input where those coincide (the test builds
such input) the two give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.stats as sps
from scipy.special import digamma, logsumexp

from labelwise.quality import frames
from labelwise.quality.aggregation.base import Aggregator
from labelwise.quality.votes import Votes


@dataclass
class MACE(Aggregator):
    n_restarts: int = 10
    n_iter: int = 50
    method: Literal["vb", "em"] = "vb"
    default_noise: float = 0.5
    alpha: float = 0.5
    beta: float = 0.5
    random_state: int = 0

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        best: tuple[float, Any, Any] | None = None
        for restart in range(max(self.n_restarts, 1)):
            spamming, thetas = self._start(votes, self.random_state + restart)
            for _ in range(self.n_iter):
                _, probas, counts = _e_step(votes, spamming, thetas)
                spamming, thetas = self._m_step(votes, counts)
            likelihood, _, _ = _e_step(votes, spamming, thetas)
            if best is None or likelihood > best[0]:
                best = (likelihood, spamming, thetas)
        assert best is not None
        _, self.spamming_values_, self.theta_values_ = best
        _, probas, _ = _e_step(votes, self.spamming_values_, self.theta_values_)
        return probas

    def _start(self, votes: Votes, seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        uniform = sps.uniform(1, 1 + self.default_noise)
        spamming = uniform.rvs(size=(votes.n_workers, 2), random_state=seed)
        thetas = uniform.rvs(size=(votes.n_workers, votes.n_classes), random_state=seed)
        return spamming / spamming.sum(axis=1, keepdims=True), thetas / thetas.sum(axis=1, keepdims=True)

    def _m_step(
        self, votes: Votes, counts: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        knowing, strategy = counts
        if self.method == "vb":
            priors = np.empty_like(knowing)
            priors[:, 0], priors[:, 1] = self.alpha, self.beta
            return _variational(knowing, priors), _variational(strategy, np.full_like(strategy, 10.0))
        smoothing = 0.01 / votes.n_classes
        return _normalize(knowing, smoothing), _normalize(strategy, smoothing)

    @property
    def spamming_(self) -> Any:
        """Per annotator: probability of following their strategy (column 0) and of knowing (column 1)."""
        return self.spamming_values_

    @property
    def thetas_(self) -> Any:
        return self.theta_values_

    @property
    def skills_(self) -> Any:
        """The probability that each annotator knows the answer."""
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.spamming_values_[:, 1], "skill")


def _e_step(
    votes: Votes, spamming: npt.NDArray[np.float64], thetas: npt.NDArray[np.float64]
) -> tuple[float, npt.NDArray[np.float64], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
    w, label, task, k = votes.worker, votes.label, votes.task, votes.n_classes
    guess = spamming[w, 0] * thetas[w, label]  # the vote's chance under the strategy
    right = guess + spamming[w, 1]  # ... plus knowing, when the vote is the true label
    with np.errstate(divide="ignore"):
        log_guess, log_right = np.log(guess), np.log(right)
    base = np.bincount(task, weights=log_guess, minlength=votes.n_tasks)
    gain = np.bincount(task * k + label, weights=log_right - log_guess, minlength=votes.n_tasks * k)
    log_joint = base[:, None] + gain.reshape(votes.n_tasks, k) - np.log(k)
    log_instance = logsumexp(log_joint, axis=1)
    probas = np.exp(log_joint - log_instance[:, None])
    p_given = probas[task, label]
    knowing_share = p_given * spamming[w, 1] / right
    strategy_share = 1.0 - knowing_share
    knowing: npt.NDArray[np.float64] = np.stack(
        [
            np.bincount(w, weights=strategy_share, minlength=votes.n_workers),
            np.bincount(w, weights=knowing_share, minlength=votes.n_workers),
        ],
        axis=1,
    )
    flat = np.bincount(w * k + label, weights=strategy_share, minlength=votes.n_workers * k)
    strategy: npt.NDArray[np.float64] = flat.astype(np.float64).reshape(-1, k)
    return float(log_instance.sum()), probas, (knowing, strategy)


def _normalize(x: npt.NDArray[np.float64], smoothing: float) -> npt.NDArray[np.float64]:
    smoothed = x + smoothing
    norm = smoothed.sum(axis=1, keepdims=True)
    result: npt.NDArray[np.float64] = np.divide(
        smoothed, norm, out=np.zeros_like(x), where=~np.isclose(norm, 0)
    )
    return result


def _variational(x: npt.NDArray[np.float64], priors: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    norm = np.exp(digamma((x + priors).sum(axis=1, keepdims=True)))
    result: npt.NDArray[np.float64] = np.divide(
        np.exp(digamma(x + priors)), norm, out=np.zeros_like(x), where=~np.isclose(norm, 0)
    )
    return result
