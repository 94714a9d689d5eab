"""The built-in text classifier on generated data: it learns, its probabilities are calibrated rows, a
version read back from disk predicts exactly what the trained one did, and bad training data is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labelwise.ml.builtin.classifier import Classifier
from labelwise.ml.builtin.store import Store
from labelwise.ml.builtin.target import Target
from labelwise.ml.contract import ModelError
from tests.support import texts

TARGET = Target("sentiment", "text", "text", False, False, ("class0", "class1", "class2", "class3"))


@pytest.fixture(scope="module")
def trained() -> tuple[Classifier, list[str], list[str]]:
    every, answers = texts.make(900, seed=1, noise=0.0)  # one vocabulary: held-out texts from the same draw
    train, labels, held, truth = every[:600], answers[:600], every[600:], answers[600:]
    model = Classifier().fit(train, [[y] for y in labels], multiple=False)
    return model, held, truth


def test_it_learns_well_above_chance(trained: tuple[Classifier, list[str], list[str]]) -> None:
    model, held, truth = trained
    predicted = [labels[0] for labels in model.decide(model.predict_proba(held))]
    accuracy = float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))
    assert accuracy > 0.5  # four classes: chance is 0.25
    assert 0.0 < model.report_["accuracy"] <= 1.0  # the cross-validated figure of the version


def test_probabilities_are_rows_summing_to_one(trained: tuple[Classifier, list[str], list[str]]) -> None:
    model, held, _ = trained
    probas = model.predict_proba(held)
    assert probas.shape == (len(held), 4)
    assert np.allclose(probas.sum(axis=1), 1.0)
    assert model.temperature_ > 0


def test_a_stored_version_predicts_what_the_trained_one_did(
    trained: tuple[Classifier, list[str], list[str]], tmp_path: Path
) -> None:
    model, held, _ = trained
    store = Store(tmp_path)
    name = store.save(model, TARGET)
    assert store.latest() == name
    loaded = store.load(name)
    assert np.array_equal(loaded.classifier.predict_proba(held), model.predict_proba(held))
    assert loaded.target == TARGET
    assert not any(p.suffix == ".pkl" for p in tmp_path.rglob("*"))


def test_one_class_is_refused() -> None:
    with pytest.raises((ModelError, ValueError), match="class"):
        Classifier().fit(["a b", "c d", "e f", "g h", "i j"], [["x"]] * 5, multiple=False)


def test_a_version_that_is_not_stored_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not stored"):
        Store(tmp_path).load("builtin-7")
