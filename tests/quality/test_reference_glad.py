"""GLAD against crowd-kit's.

GLAD's M-step is a few conjugate-gradient steps stopped early (25 steps, tolerance 1e-2) on a likelihood that
is nearly flat along alpha * exp(beta); rounding differences of 1e-16 take the two optimizers down slightly
different paths after a few EM rounds. So the comparison is: the same expected log-likelihood on the first
rounds (1e-6), the same label on at least 99% of tasks, and the same accuracy on the gold answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from crowdkit import aggregation as ck

from labelwise import quality
from tests.quality.crowd_data import load


# crowd-kit takes 16 s on TEMP and 50 s on RTE here; the two small sets keep the suite quick.
@pytest.mark.parametrize("name", ["wsd", "bluebirds"])
def test_glad_follows_crowd_kit(name: str) -> None:
    votes, gold = load(name)
    ours = quality.GLAD().fit(votes)
    theirs = ck.GLAD().fit(votes)
    np.testing.assert_allclose(ours.loss_history_[:2], theirs.loss_history_[:2], atol=1e-6)
    same = (ours.labels_.sort_index() == theirs.labels_.sort_index()).mean()
    assert same >= 0.99
    accuracy = float((ours.labels_.loc[gold.index] == gold).mean())
    reference = float((theirs.labels_.loc[gold.index] == gold).mean())
    assert accuracy == pytest.approx(reference, abs=0.005)
    assert ours.alphas_.index.name == "worker" and ours.betas_.index.name == "task"
