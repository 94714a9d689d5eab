"""Votes in any frame kind, results back in the same kind; properties every aggregator must keep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise import quality
from tests.quality.simulate import simulate

AGGREGATORS = [quality.MajorityVote, quality.Wawa, quality.DawidSkene, quality.OneCoinDawidSkene]


@pytest.fixture(scope="module")
def votes() -> pd.DataFrame:
    return simulate(n_tasks=120, n_workers=9, overlap=4, n_classes=3, seed=7)


@pytest.mark.parametrize("cls", AGGREGATORS)
def test_pandas_in_pandas_out(cls: type, votes: pd.DataFrame) -> None:
    model = cls().fit(votes)
    assert isinstance(model.labels_, pd.Series) and model.labels_.index.name == "task"
    assert model.labels_.name == "agg_label"
    assert isinstance(model.probas_, pd.DataFrame)
    np.testing.assert_allclose(model.probas_.sum(axis=1).to_numpy(), 1.0)


@pytest.mark.parametrize("cls", AGGREGATORS)
def test_polars_in_polars_out_with_the_same_answers(cls: type, votes: pd.DataFrame) -> None:
    from_pandas = cls().fit(votes).labels_
    model = cls().fit(pl.from_pandas(votes))
    labels = model.labels_
    assert isinstance(labels, pl.DataFrame) and labels.columns == ["task", "agg_label"]
    assert (
        dict(zip(labels["task"].to_list(), labels["agg_label"].to_list(), strict=True))
        == from_pandas.to_dict()
    )
    assert isinstance(model.probas_, pl.DataFrame) and model.probas_.columns[0] == "task"


@pytest.mark.parametrize("cls", AGGREGATORS)
def test_arrays_in_numpy_out(cls: type, votes: pd.DataFrame) -> None:
    model = cls().fit((votes["task"].to_numpy(), votes["worker"].to_numpy(), votes["label"].to_numpy()))
    assert isinstance(model.labels_, np.ndarray)
    expected = cls().fit(votes).labels_
    assert dict(zip(model.tasks_.tolist(), model.labels_.tolist(), strict=True)) == expected.to_dict()


def test_missing_columns_and_values_are_named() -> None:
    with pytest.raises(ValueError, match="worker"):
        quality.MajorityVote().fit(pd.DataFrame({"task": [1], "label": [1]}))
    with pytest.raises(ValueError, match="label holds missing values"):
        quality.DawidSkene().fit(pd.DataFrame({"task": [1, 2], "worker": ["a", "b"], "label": ["x", None]}))
    with pytest.raises(ValueError, match="equal length"):
        quality.DawidSkene().fit(([1, 2], ["a"], ["x", "y"]))


def test_empty_votes_give_empty_results() -> None:
    model = quality.DawidSkene().fit(pd.DataFrame({"task": [], "worker": [], "label": []}))
    assert len(model.labels_) == 0


votes_strategy = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 5), st.sampled_from(["a", "b", "c"])),
    min_size=1,
    max_size=80,
)


@settings(max_examples=40, deadline=None)
@given(votes_strategy, st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_answer(rows: list[tuple[int, int, str]], rnd: object) -> None:
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for cls in AGGREGATORS:
        a = cls().fit(frame)
        b = cls().fit(shuffled)
        np.testing.assert_allclose(a.probas_.to_numpy(), b.probas_.to_numpy(), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=30), st.integers(1, 6), st.sampled_from(["x", "y", "z"])
)
def test_unanimous_votes_are_the_answer(tasks: list[int], workers: int, label: str) -> None:
    rows = [(t, w, label) for t in set(tasks) for w in range(workers)]
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    for cls in AGGREGATORS:
        labels = cls().fit_predict(frame)
        assert (labels == label).all()
