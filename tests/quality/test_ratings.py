"""Ratings on a scale: mean and median against pandas, Dawid-Skene against the categorical estimator, and
the properties the three keep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise import quality


def _votes(seed: int, n_tasks: int = 300) -> pd.DataFrame:
    """1-5 ratings: a true point per task, workers off by one now and then, one who rates at random."""
    rng = np.random.default_rng(seed)
    rows = []
    for task in range(n_tasks):
        truth = int(rng.integers(1, 6))
        for worker in rng.choice(12, size=int(rng.integers(2, 6)), replace=False).tolist():
            if worker == 0:
                value = int(rng.integers(1, 6))
            else:
                value = int(np.clip(truth + rng.choice([-1, 0, 0, 0, 1]), 1, 5))
            rows.append((task, worker, value))
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


@pytest.mark.parametrize("method", ["mean", "median"])
def test_mean_and_median_are_pandas_ones(method: str) -> None:
    votes = _votes(1)
    model = quality.RatingAggregator(method=method, scale=4).fit(votes)
    expected = votes.groupby("task")["label"].agg(method).astype(float)
    pd.testing.assert_series_equal(model.labels_, expected.rename("agg_label"), check_names=False)
    distance = (votes["label"] - votes["task"].map(expected)).abs() / 4
    closeness = (1 - distance).clip(0, 1)
    pd.testing.assert_series_equal(
        model.confidence_, closeness.groupby(votes["task"]).mean(), check_names=False, atol=1e-12
    )
    pd.testing.assert_series_equal(
        model.skills_, closeness.groupby(votes["worker"]).mean(), check_names=False, atol=1e-12
    )


def test_dawid_skene_on_the_scale_is_the_categorical_one() -> None:
    votes = _votes(2)
    model = quality.RatingAggregator(method="ds").fit(votes)
    ds = quality.DawidSkene().fit(votes)
    pd.testing.assert_series_equal(model.labels_, ds.labels_.astype(float), check_names=False)
    pd.testing.assert_frame_equal(model.probas_, ds.probas_)
    assert np.allclose(model.confidence_.to_numpy(), ds.probas_.max(axis=1).to_numpy())
    # The worker who rates at random is found out.
    assert model.skills_.idxmin() == 0


def test_a_hand_checked_task_and_the_default_scale() -> None:
    votes = pd.DataFrame({"task": [1, 1, 1], "worker": ["a", "b", "c"], "label": [4, 5, 5]})
    mean = quality.RatingAggregator().fit(votes)  # scale: the range of the votes, 1
    assert mean.labels_[1] == pytest.approx(14 / 3)
    assert mean.confidence_[1] == pytest.approx(1 - (2 / 3 + 1 / 3 + 1 / 3) / 3)
    assert quality.RatingAggregator(method="median", scale=4).fit(votes).confidence_[1] == pytest.approx(
        1 - 1 / 12
    )


def test_frames_and_bad_input() -> None:
    polars = quality.RatingAggregator(method="median").fit(
        pl.DataFrame({"task": [1, 1], "worker": [1, 2], "label": [2.0, 3.0]})
    )
    assert polars.labels_.to_dicts() == [{"task": 1, "agg_label": 2.5}]
    assert quality.RatingAggregator().fit(([1, 1], [1, 2], [3, 3])).confidence_.tolist() == [1.0]
    with pytest.raises(ValueError, match="ratings must be numbers"):
        quality.RatingAggregator().fit(([1], [1], ["good"]))
    with pytest.raises(ValueError, match="method must be one of mean, median, ds"):
        quality.RatingAggregator(method="mode").fit(([1], [1], [1]))
    with pytest.raises(AttributeError, match="method='ds' only"):
        _ = quality.RatingAggregator().fit(([1], [1], [1])).probas_


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["mean", "median", "ds"]), st.integers(1, 10), st.integers(1, 5))
def test_unanimous_workers_get_their_rating_back(method: str, value: int, n: int) -> None:
    model = quality.RatingAggregator(method=method, scale=9).fit(([0] * n, list(range(n)), [value] * n))
    assert model.labels_.tolist() == [value]
    assert model.confidence_.tolist() == [pytest.approx(1.0)]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["mean", "median", "ds"]),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(1, 5)), min_size=1, max_size=20),
    st.randoms(use_true_random=False),
)
def test_the_order_of_the_rows_does_not_matter(
    method: str, rows: list[tuple[int, int, int]], rnd: object
) -> None:
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"]).drop_duplicates(["task", "worker"])
    shuffled = frame.sample(frac=1.0, random_state=rnd.randint(0, 1000))  # type: ignore[attr-defined]
    first = quality.RatingAggregator(method=method, scale=4).fit(frame)
    second = quality.RatingAggregator(method=method, scale=4).fit(shuffled)
    pd.testing.assert_series_equal(first.labels_, second.labels_, atol=1e-9)
    pd.testing.assert_series_equal(first.confidence_, second.confidence_, atol=1e-9)
