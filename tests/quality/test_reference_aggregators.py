"""Our aggregators against crowd-kit's on the real crowd sets and on simulated votes: same labels, and
probabilities, priors and skills within 1e-6."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from crowdkit import aggregation as ck

from labelwise import quality
from tests.quality.crowd_data import SETS, load
from tests.quality.simulate import simulate


class _CrowdKitWawa:
    """crowd-kit's Wawa is MajorityVote weighted by MajorityVote's skills; its own class calls scikit-learn's
    `check_is_fitted`, which scikit-learn 1.6+ refuses for non-estimators, so the same two steps are run here."""

    def fit(self, votes: pd.DataFrame) -> ck.MajorityVote:
        skills = ck.MajorityVote().fit(votes).skills_
        self.skills_ = skills
        self.mv = ck.MajorityVote().fit(votes, skills=skills)
        return self.mv

    def fit_predict(self, votes: pd.DataFrame) -> pd.Series:
        return self.fit(votes).labels_

    def fit_predict_proba(self, votes: pd.DataFrame) -> pd.DataFrame:
        return self.fit(votes).probas_


class _CrowdKitZeroBasedSkill:
    """crowd-kit's ZeroBasedSkill loop (its class trips over scikit-learn's `check_is_fitted`, as Wawa does)."""

    def fit(self, votes: pd.DataFrame) -> ck.MajorityVote:
        model = ck.ZeroBasedSkill()
        skills = pd.Series(
            1 / votes["label"].nunique() + model.eps, index=pd.Index(votes["worker"].unique(), name="worker")
        )
        rate, mv = model.lr_init, ck.MajorityVote()
        for iteration in range(1, model.n_iter + 1):
            if iteration % model.lr_steps_to_reduce == 0:
                rate *= model.lr_reduce_factor
            mv.fit(votes, skills=skills)
            agree = votes["label"].to_numpy() == mv.labels_.loc[votes["task"]].to_numpy()
            accuracy = pd.Series(agree, index=votes["worker"]).groupby(level=0).mean()
            skills = skills + rate * (accuracy.loc[skills.index] - skills)
        self.skills_ = skills
        return ck.MajorityVote().fit(votes, skills=skills)

    def fit_predict(self, votes: pd.DataFrame) -> pd.Series:
        return self.fit(votes).labels_

    def fit_predict_proba(self, votes: pd.DataFrame) -> pd.DataFrame:
        return self.fit(votes).probas_


PAIRS = [
    (quality.MajorityVote, ck.MajorityVote),
    (quality.Wawa, _CrowdKitWawa),
    (quality.DawidSkene, ck.DawidSkene),
    (quality.OneCoinDawidSkene, ck.OneCoinDawidSkene),
]


def _aligned(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    theirs = theirs.sort_index()
    theirs = theirs[sorted(theirs.columns)]
    return ours.loc[theirs.index, theirs.columns], theirs


def _has_ties(votes: pd.DataFrame) -> bool:
    counts = votes.groupby(["task", "label"]).size().unstack(fill_value=0).to_numpy()
    return bool(((counts == counts.max(axis=1, keepdims=True)).sum(axis=1) > 1).any())


def _votes(name: str) -> pd.DataFrame:
    if name in SETS:
        return load(name)[0]
    seed = int(name.removeprefix("sim"))
    return simulate(n_tasks=300, n_workers=15, overlap=5, n_classes=4, seed=seed)


@pytest.mark.parametrize("data", ["wsd", "sim1"])
def test_zero_based_skill_matches_crowd_kit(data: str) -> None:
    """A hundred rounds of crowd-kit's pandas majority vote take seconds per set: two sets."""
    test_matches_crowd_kit(quality.ZeroBasedSkill, _CrowdKitZeroBasedSkill, data)


@pytest.mark.parametrize("ours_cls,theirs_cls", PAIRS, ids=[p[0].__name__ for p in PAIRS])
@pytest.mark.parametrize("data", [*SETS, "sim1", "sim2"])
def test_matches_crowd_kit(ours_cls: type, theirs_cls: type, data: str) -> None:
    votes = _votes(data)
    ours = ours_cls().fit(votes)
    theirs = theirs_cls()
    theirs_labels = theirs.fit_predict(votes).sort_index()
    theirs_probas = theirs_cls().fit_predict_proba(votes)
    if ours_cls is quality.Wawa and _has_ties(votes):
        # Wawa weighs by agreement with a first majority vote, which follows that vote's tie-break: give
        # crowd-kit's weighted vote the first-pass skills checked in the MajorityVote case.
        second = ck.MajorityVote().fit(votes, skills=quality.MajorityVote().fit(votes).skills_)
        theirs_labels, theirs_probas = second.labels_.sort_index(), second.probas_
    ours_labels = ours.labels_.sort_index()
    assert list(ours_labels.index) == list(theirs_labels.index)
    # A tie has no right answer: crowd-kit breaks it by pandas' column order (first seen in value_counts), we
    # by the smallest label. Where the maximum is unique the labels must be equal; in a tie ours must be one
    # of the tied labels.
    ref = theirs_probas.loc[theirs_labels.index]
    top = ref.max(axis=1)
    tied = (ref.sub(top, axis=0).abs() < 1e-12).sum(axis=1) > 1
    unique = ~tied.to_numpy()
    assert (ours_labels.to_numpy()[unique] == theirs_labels.to_numpy()[unique]).all()
    for task in tied[tied].index:
        row = ref.loc[task]
        assert row[ours_labels.loc[task]] == pytest.approx(top.loc[task], abs=1e-12)
    mine, ref = _aligned(ours.probas_, theirs_probas)
    np.testing.assert_allclose(mine.to_numpy(), ref.to_numpy(), atol=1e-6)
    if ours_cls in (quality.MajorityVote, quality.Wawa) and _has_ties(votes):
        # Skills are agreement with the majority labels, so they follow the tie-break: check them against
        # our majority labels, computed independently.
        first = quality.MajorityVote().fit_predict(votes)
        agrees = votes["label"].to_numpy() == first.loc[votes["task"]].to_numpy()
        expected = pd.Series(agrees, index=votes["worker"]).groupby(level=0).mean()
        np.testing.assert_allclose(
            ours.skills_.loc[expected.index].to_numpy(), expected.to_numpy(), atol=1e-12
        )
    elif getattr(theirs, "skills_", None) is not None:
        ref_skills = theirs.skills_.sort_index()
        np.testing.assert_allclose(
            ours.skills_.loc[ref_skills.index].to_numpy(), ref_skills.to_numpy(), atol=1e-6
        )
    if getattr(theirs, "priors_", None) is not None:
        ref_priors = theirs.priors_.sort_index()
        np.testing.assert_allclose(
            ours.priors_.loc[ref_priors.index].to_numpy(), ref_priors.to_numpy(), atol=1e-6
        )


def test_dawid_skene_errors_match_crowd_kit() -> None:
    votes = load("wsd")[0]
    ours = quality.DawidSkene().fit(votes).errors_
    theirs = ck.DawidSkene().fit(votes).errors_
    theirs = theirs.sort_index()[sorted(theirs.columns)]
    np.testing.assert_allclose(
        ours.loc[theirs.index, theirs.columns].to_numpy(), theirs.to_numpy(), atol=1e-6
    )


@pytest.mark.parametrize("name", SETS)
def test_dawid_skene_accuracy_on_real_crowds(name: str) -> None:
    """The published accuracies of DS on these sets (README of the data), reproduced."""
    votes, gold = load(name)
    labels = quality.DawidSkene().fit_predict(votes)
    accuracy = float((labels.loc[gold.index] == gold).mean())
    expected = {"rte": 0.927, "temp": 0.942, "wsd": 0.994, "bluebirds": 0.889}[name]
    assert accuracy == pytest.approx(expected, abs=0.0015)
