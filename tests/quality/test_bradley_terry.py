"""Bradley-Terry scores: one update equals crowd-kit's, and the converged scores are the likelihood maximum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from crowdkit.aggregation import BradleyTerry as CrowdKitBT
from scipy.optimize import minimize

from labelwise import quality


def _comparisons(seed: int, n_items: int = 8, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    strength = rng.uniform(0.2, 3.0, n_items)
    left = rng.integers(0, n_items, n)
    right = (left + rng.integers(1, n_items, n)) % n_items
    left_wins = rng.random(n) < strength[left] / (strength[left] + strength[right])
    names = np.array([f"item{i}" for i in range(n_items)])
    frame = pd.DataFrame(
        {"worker": rng.integers(0, 5, n), "left": names[left], "right": names[right],
         "label": np.where(left_wins, names[left], names[right])}
    )  # fmt: skip
    return frame, strength


@pytest.mark.parametrize("seed", [0, 1])
def test_one_update_equals_crowd_kit(seed: int) -> None:
    frame, _ = _comparisons(seed)
    ours = quality.BradleyTerry(n_iter=1).fit_predict(frame).sort_index()
    theirs = CrowdKitBT(n_iter=1).fit_predict(frame).sort_index()
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_converged_scores_maximize_the_likelihood(seed: int) -> None:
    frame, _ = _comparisons(seed)
    model = quality.BradleyTerry().fit(frame)
    items = list(model.items_)
    index = {item: i for i, item in enumerate(items)}
    winners = frame["label"].map(index).to_numpy()
    losers = np.where(frame["label"] == frame["left"], frame["right"], frame["left"])
    losers = np.array([index[x] for x in losers])

    def negative_log_likelihood(theta: np.ndarray) -> float:
        return float(np.logaddexp(theta[winners], theta[losers]).sum() - theta[winners].sum())

    best = minimize(negative_log_likelihood, np.zeros(len(items)), method="BFGS", options={"gtol": 1e-10})
    expected = np.exp(best.x) / np.exp(best.x).sum()
    np.testing.assert_allclose(model.score_values_, expected, atol=1e-5)


def test_recovers_the_order_of_strengths() -> None:
    frame, strength = _comparisons(3, n_items=5, n=4000)
    model = quality.BradleyTerry().fit(pl.from_pandas(frame))
    assert model.ranking_ == [f"item{i}" for i in np.argsort(-strength)]
    assert model.scores_.columns == ["item", "score"]


def test_winner_must_be_one_of_the_pair() -> None:
    frame = pd.DataFrame({"left": ["a"], "right": ["b"], "label": ["c"]})
    with pytest.raises(ValueError, match="row 0"):
        quality.BradleyTerry().fit(frame)
