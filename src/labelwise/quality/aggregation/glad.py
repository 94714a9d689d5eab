"""GLAD: each annotator has an ability (alpha) and each task a difficulty (beta, as exp(beta) > 0).

The chance a vote is right is sigmoid(alpha_w * exp(beta_t)); a wrong vote picks any other class evenly. EM as
in crowd-kit's `GLAD` (Whitehill et al., NIPS 2009): the E-step is closed form, the M-step a few conjugate-
gradient steps on the expected log-likelihood with standard normal priors around 1. Every quantity is a sum
over votes, so each step is a handful of bincounts over all votes at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from labelwise.quality import frames
from labelwise.quality.aggregation.base import Aggregator
from labelwise.quality.aggregation.em import posterior
from labelwise.quality.votes import Votes

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


@dataclass
class GLAD(Aggregator):
    n_iter: int = 100
    tol: float = 1e-5
    m_step_max_iter: int = 25
    m_step_tol: float = 1e-2
    loss_history_: list[float] = field(default_factory=list, init=False, repr=False)

    def _fit(self, votes: Votes) -> npt.NDArray[np.float64]:
        model = _Model(votes)
        alphas: npt.NDArray[np.float64] = np.ones(votes.n_workers)
        betas: npt.NDArray[np.float64] = np.ones(votes.n_tasks)
        probas = model.e_step(alphas, betas)
        q = model.q(probas, alphas, betas)
        self.loss_history_ = []
        for _ in range(self.n_iter):
            last = q
            probas = model.e_step(alphas, betas)
            alphas, betas = model.m_step(probas, alphas, betas, self.m_step_max_iter, self.m_step_tol)
            q = model.q(probas, alphas, betas) / (len(votes) * votes.n_classes)
            self.loss_history_.append(q)
            if q - last < self.tol:
                break
        # The labels come from the last E-step's posteriors, as in crowd-kit.
        self.alpha_values_, self.beta_values_ = alphas, betas
        return probas

    @property
    def alphas_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.workers, "worker", self.alpha_values_, "alpha")

    @property
    def betas_(self) -> Any:
        v = self.votes_
        return frames.series(v, v.tasks, "task", self.beta_values_, "beta")


def _softplus(x: npt.NDArray[np.float64], limit: float = 30.0) -> npt.NDArray[np.float64]:
    """log(1 + e^x), linear beyond `limit` and zero below `-limit` (crowd-kit's cut-offs, for equal results)."""
    out = np.where(x > limit, x, 0.0)
    inside = np.abs(x) <= limit
    out[inside] = np.log1p(np.exp(x[inside]))
    result: npt.NDArray[np.float64] = out
    return result


class _Model:
    def __init__(self, votes: Votes) -> None:
        self.votes = votes
        self.k = votes.n_classes
        self.log_others = np.log(self.k - 1) if self.k > 1 else 0.0
        self.log_prior = np.log(np.full(self.k, 1.0 / self.k))

    def _terms(self, alphas: npt.NDArray[np.float64], betas: npt.NDArray[np.float64]) -> tuple[Any, Any, Any]:
        v = self.votes
        exp_beta = np.exp(betas)[v.task]
        strength = alphas[v.worker] * exp_beta
        log_right = -_softplus(-strength)
        log_wrong = -_softplus(strength) - self.log_others
        return strength, (log_right, log_wrong), exp_beta

    def e_step(
        self, alphas: npt.NDArray[np.float64], betas: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        v = self.votes
        _, (log_right, log_wrong), _ = self._terms(alphas, betas)
        base = np.bincount(v.task, weights=log_wrong, minlength=v.n_tasks)
        gain = np.bincount(
            v.task * self.k + v.label, weights=log_right - log_wrong, minlength=v.n_tasks * self.k
        )
        return posterior(base[:, None] + gain.reshape(v.n_tasks, self.k) + self.log_prior)

    def q(
        self, probas: npt.NDArray[np.float64], alphas: npt.NDArray[np.float64], betas: npt.NDArray[np.float64]
    ) -> float:
        v = self.votes
        _, (log_right, log_wrong), _ = self._terms(alphas, betas)
        p_given = probas[v.task, v.label]
        total = float((p_given * log_right + (1.0 - p_given) * log_wrong).sum())
        total += float((-0.5 * (alphas - 1.0) ** 2 - _HALF_LOG_2PI).sum())
        total += float((-0.5 * (betas - 1.0) ** 2 - _HALF_LOG_2PI).sum())
        return total if np.isfinite(total) else -np.inf

    def m_step(
        self,
        probas: npt.NDArray[np.float64],
        alphas: npt.NDArray[np.float64],
        betas: npt.NDArray[np.float64],
        max_iter: int,
        tol: float,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        v = self.votes
        n_w = v.n_workers
        p_given = probas[v.task, v.label]

        def objective(x: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
            a, b = x[:n_w], x[n_w:]
            strength, _, exp_beta = self._terms(a, b)
            sigma = 1.0 / (1.0 + np.exp(-strength))
            residual = p_given - sigma
            d_alpha = np.bincount(v.worker, weights=residual * exp_beta, minlength=n_w) - (a - 1.0)
            d_beta = np.bincount(v.task, weights=residual * strength, minlength=v.n_tasks) - (b - 1.0)
            return -self.q(probas, a, b), -np.concatenate([d_alpha, d_beta])

        result = minimize(
            objective,
            np.concatenate([alphas, betas]),
            method="CG",
            jac=True,
            tol=tol,
            options={"disp": False, "maxiter": max_iter},
        )
        return result.x[:n_w].copy(), result.x[n_w:].copy()
