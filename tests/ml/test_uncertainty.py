"""Uncertainty strategies: a certainty in [0, 1] whose lowest value is the task the queue hands out first."""

from __future__ import annotations

import numpy as np
import pytest

from labelwise.ml import uncertainty

PROBAS = np.array([[0.98, 0.01, 0.01], [0.4, 0.35, 0.25], [1 / 3, 1 / 3, 1 / 3]])


@pytest.mark.parametrize("how", ["least_confidence", "margin", "entropy"])
def test_certainty_orders_sure_before_unsure(how: uncertainty.Strategy) -> None:
    c = uncertainty.certainty(PROBAS, how)
    assert c[0] > c[1] > c[2] or (how == "margin" and c[0] > c[1] >= c[2])
    assert np.all((c >= 0) & (c <= 1))
    assert c[2] == pytest.approx(0.0)  # a uniform row is as unsure as can be


def test_margin_is_the_gap_between_the_two_best() -> None:
    assert uncertainty.certainty(PROBAS, "margin")[1] == pytest.approx(0.05)


def test_unknown_strategy_is_named() -> None:
    with pytest.raises(ValueError, match="least_confidence"):
        uncertainty.strategy("guess")
    assert uncertainty.strategy(None) == uncertainty.DEFAULT
