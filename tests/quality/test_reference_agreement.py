"""Agreement metrics against scikit-learn, statsmodels and the `krippendorff` package, within 1e-6."""

from __future__ import annotations

import itertools

import krippendorff
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from labelwise import quality
from tests.quality.crowd_data import load
from tests.quality.simulate import simulate

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def _fixed_overlap(seed: int, n_classes: int = 4) -> pd.DataFrame:
    return simulate(n_tasks=200, n_workers=12, overlap=5, n_classes=n_classes, seed=seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fleiss_kappa_matches_statsmodels(seed: int) -> None:
    votes = _fixed_overlap(seed)
    table = votes.groupby(["task", "label"]).size().unstack(fill_value=0).to_numpy()
    assert quality.fleiss_kappa(votes) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-6)


def test_fleiss_kappa_on_a_real_crowd() -> None:
    votes = load("rte")[0]  # every RTE item has 10 votes
    table = votes.groupby(["task", "label"]).size().unstack(fill_value=0).to_numpy()
    assert quality.fleiss_kappa(votes) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-6)


@pytest.mark.parametrize("seed", [4, 5])
def test_cohen_kappa_matrix_matches_scikit_learn(seed: int) -> None:
    votes = _fixed_overlap(seed, n_classes=3)
    matrix = quality.cohen_kappa_matrix(votes, min_overlap=5)
    by_worker = {w: g.set_index("task")["label"] for w, g in votes.groupby("worker")}
    checked = 0
    for a, b in itertools.combinations(sorted(by_worker), 2):
        shared = by_worker[a].index.intersection(by_worker[b].index)
        if len(shared) < 5:
            assert np.isnan(matrix.loc[a, b])
            continue
        left, right = by_worker[a].loc[shared], by_worker[b].loc[shared]
        if left.nunique() == 1 and right.nunique() == 1:
            continue  # scikit-learn answers NaN (0/0); we answer 1 when both always gave the same label
        expected = cohen_kappa_score(left, right)
        assert matrix.loc[a, b] == pytest.approx(expected, abs=1e-6)
        assert matrix.loc[b, a] == pytest.approx(expected, abs=1e-6)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_krippendorff_alpha_matches_the_package(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(1, 6, (7, 60)).astype(float)
    matrix[rng.random(matrix.shape) < 0.35] = np.nan
    ours = quality.krippendorff_alpha(reliability_data=matrix, level=level)  # type: ignore[arg-type]
    assert ours == pytest.approx(
        krippendorff.alpha(reliability_data=matrix, level_of_measurement=level), abs=1e-6
    )


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_alpha_from_votes_equals_from_matrix(level: str) -> None:
    votes = _fixed_overlap(9, n_classes=5)
    votes = votes.assign(label=votes["label"] + 1)
    wide = votes.pivot(index="worker", columns="task", values="label").to_numpy(dtype=float)
    expected = krippendorff.alpha(reliability_data=wide, level_of_measurement=level)
    assert quality.krippendorff_alpha(votes, level=level) == pytest.approx(expected, abs=1e-6)  # type: ignore[arg-type]
    assert quality.krippendorff_alpha(pl.from_pandas(votes), level=level) == pytest.approx(expected, abs=1e-6)  # type: ignore[arg-type]


def test_ordinal_alpha_follows_the_value_domain_order() -> None:
    rows = [(t, w, v) for t, pair in enumerate([("low", "mid"), ("mid", "high"), ("low", "low"), ("high", "high")])
            for w, v in enumerate(pair)]  # fmt: skip
    votes = pd.DataFrame(rows, columns=["task", "worker", "label"])
    domain = ["low", "mid", "high"]
    codes = {v: i for i, v in enumerate(domain)}
    wide = votes.assign(label=votes["label"].map(codes)).pivot(index="worker", columns="task", values="label")
    expected = krippendorff.alpha(reliability_data=wide.to_numpy(dtype=float), level_of_measurement="ordinal")
    assert quality.krippendorff_alpha(votes, level="ordinal", value_domain=domain) == pytest.approx(
        expected, abs=1e-6
    )
    with pytest.raises(ValueError, match="outside value_domain"):
        quality.krippendorff_alpha(votes, level="ordinal", value_domain=["low", "mid"])


def test_percent_and_task_agreement() -> None:
    votes = pd.DataFrame(
        [
            ("t1", "a", "x"),
            ("t1", "b", "x"),
            ("t1", "c", "y"),
            ("t2", "a", "x"),
            ("t2", "b", "x"),
            ("t3", "a", "z"),
        ],
        columns=["task", "worker", "label"],
    )
    per_task = quality.task_agreement(votes)
    assert per_task.loc["t1"] == pytest.approx(1 / 3)  # one agreeing pair of three
    assert per_task.loc["t2"] == 1.0
    assert np.isnan(per_task.loc["t3"])  # a single vote has no pair
    assert quality.percent_agreement(votes) == pytest.approx((1 / 3 + 1) / 2)


votes_strategy = st.lists(
    st.tuples(st.integers(0, 15), st.integers(0, 6), st.integers(1, 4)),
    min_size=2,
    max_size=90,
    unique_by=lambda r: r[:2],
)


@settings(max_examples=50, deadline=None)
@given(votes_strategy)
def test_metrics_do_not_depend_on_row_order_or_names(rows: list[tuple[int, int, int]]) -> None:
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    shuffled = frame.sample(frac=1.0, random_state=1)
    renamed = frame.assign(worker=frame["worker"].map(lambda w: f"annotator-{w}"), task=frame["task"] + 1000)
    for metric in (quality.percent_agreement, quality.fleiss_kappa, quality.krippendorff_alpha):
        values = [metric(f) for f in (frame, shuffled, renamed)]
        if np.isnan(values[0]):
            assert all(np.isnan(v) for v in values)
        else:
            assert values[1] == pytest.approx(values[0], abs=1e-9) and values[2] == pytest.approx(
                values[0], abs=1e-9
            )


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 20), st.integers(2, 6), st.integers(0, 3))
def test_unanimous_annotators_agree_perfectly(n_tasks: int, n_workers: int, offset: int) -> None:
    rows = [(t, w, (t + offset) % 3) for t in range(n_tasks) for w in range(n_workers)]
    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    assert quality.percent_agreement(frame) == 1.0
    assert quality.krippendorff_alpha(frame) == pytest.approx(1.0)
    kappa = quality.cohen_kappa_matrix(frame).to_numpy()
    assert np.allclose(kappa, 1.0)
