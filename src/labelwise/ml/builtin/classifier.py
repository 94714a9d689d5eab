"""The built-in text classifier: TF-IDF features and logistic regression, with calibrated probabilities.

Single choice is one multinomial logistic regression; multiple choice is one binary regression per label
(one-vs-rest; a label always or never chosen gets a constant from its smoothed rate). Calibration is
temperature scaling: the logits of held-out folds (stratified k-fold cross-validation) choose the one
temperature T that minimises their log loss, and every probability is softmax(logits / T) (sigmoid per
label for multiple choice). The same folds give the version's honest figures: accuracy (exact match for
multiple choice) and precision, recall and support per label.

Why our own weights and not the fitted sklearn object: `predict_proba` computes from the stored arrays
only (coefficients, intercepts, temperature), so a version loaded from disk predicts exactly what the
freshly trained one did, and nothing is unpickled. Pure: no database; the benchmark uses it directly.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from labelwise.ml.builtin.features import Features
from labelwise.ml.contract import ModelError

MIN_EXAMPLES = 4
Floats = NDArray[np.float64]


def _softmax(z: Floats) -> Floats:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def _sigmoid(z: Floats) -> Floats:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


@dataclass
class Weights:
    """A fitted linear layer over the features: logits = X @ coef.T + intercept (K x F and K)."""

    coef: Floats
    intercept: Floats

    def logits(self, x: sp.csr_matrix) -> Floats:
        return np.asarray(x @ self.coef.T + self.intercept, dtype=np.float64)


def _regression(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="saga", max_iter=300, tol=1e-3, random_state=0)


def _fit_single(x: sp.csr_matrix, y: NDArray[np.int64], k: int, c: float) -> Weights:
    """Weights for all `k` classes from the classes present in `y` (a class missing from a fold gets a
    logit far below the others)."""
    present = np.unique(y)
    coef = np.zeros((k, x.shape[1]))
    intercept = np.full(k, -30.0)
    if len(present) == 1:
        intercept[present[0]] = 0.0
        return Weights(coef, intercept)
    model = _regression(c).fit(x, y)
    if len(present) == 2:  # sklearn's binary case: one row, the logit of the second class
        coef[present[1]] = model.coef_[0]
        intercept[present[0]], intercept[present[1]] = 0.0, model.intercept_[0]
        coef[present[0]] = 0.0
    else:
        coef[present] = model.coef_
        intercept[present] = model.intercept_
    return Weights(coef, intercept)


def _fit_multi(x: sp.csr_matrix, y: NDArray[np.float64], c: float) -> Weights:
    n, k = y.shape
    coef = np.zeros((k, x.shape[1]))
    intercept = np.zeros(k)
    for j in range(k):
        column = y[:, j]
        positives = float(column.sum())
        if positives in (0.0, float(n)):
            rate = (positives + 0.5) / (n + 1.0)
            intercept[j] = np.log(rate / (1.0 - rate))
            continue
        model = _regression(c).fit(x, column.astype(np.int64))
        coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
    return Weights(coef, intercept)


def _temperature(logits: Floats, truth: Floats, multiple: bool) -> float:
    """The temperature minimising the held-out log loss (searched over 0.05 to 20 on a log scale)."""

    def loss(log_t: float) -> float:
        z = logits / np.exp(log_t)
        if multiple:
            p = np.clip(_sigmoid(z), 1e-12, 1 - 1e-12)
            return float(-(truth * np.log(p) + (1 - truth) * np.log(1 - p)).mean())
        p = np.clip(_softmax(z), 1e-12, 1.0)
        return float(-(truth * np.log(p)).sum(axis=1).mean())

    found = minimize_scalar(loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(found.x))


@dataclass
class Classifier:
    """`fit(texts, labels, multiple)` then `predict_proba(texts)`; results in trailing-underscore fields."""

    c: float = 4.0
    folds: int = 5
    seed: int = 0
    features_: Features | None = None
    weights_: Weights | None = None
    classes_: list[str] = field(default_factory=list)
    multiple_: bool = False
    temperature_: float = 1.0
    report_: dict[str, Any] = field(default_factory=dict)

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]], multiple: bool) -> Classifier:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        classes = sorted({label for labeled in labels for label in labeled})
        if len(texts) < MIN_EXAMPLES:
            raise ModelError(
                f"too few examples to train: {len(texts)} labeled task(s), at least {MIN_EXAMPLES} needed"
            )
        if len(classes) < 2 or (multiple and all(len(set(s)) == len(classes) for s in labels)):
            raise ModelError(
                f"only one class in the examples ({', '.join(classes) or 'none'}): "
                "label tasks with at least two different choices"
            )
        if not any(t.strip() for t in texts):
            raise ModelError("the labeled tasks have no text to learn from")
        index = {label: i for i, label in enumerate(classes)}
        self.classes_, self.multiple_ = classes, multiple
        truth = np.zeros((len(texts), len(classes)))
        for row, labeled in enumerate(labels):
            for label in labeled if multiple else labeled[:1]:
                truth[row, index[label]] = 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            warnings.simplefilter("ignore", category=UserWarning)  # a class smaller than the folds
            held_out = self._cross_validate(list(texts), truth)
            self.temperature_ = _temperature(held_out, truth, multiple)
            self.features_ = Features.fit(texts)
            self.weights_ = self._fit(self.features_.transform(texts), truth)
        self.report_ = self._figures(self._probas(held_out), truth)
        return self

    def _fit(self, x: sp.csr_matrix, truth: Floats) -> Weights:
        if self.multiple_:
            return _fit_multi(x, truth, self.c)
        return _fit_single(x, truth.argmax(axis=1).astype(np.int64), truth.shape[1], self.c)

    def _cross_validate(self, texts: list[str], truth: Floats) -> Floats:
        """Out-of-fold logits for every example; features are fitted inside each fold."""
        n = len(texts)
        splits = min(self.folds, n)
        held_out = np.zeros(truth.shape)
        if self.multiple_:
            folds = KFold(splits, shuffle=True, random_state=self.seed).split(truth)
        else:
            y = truth.argmax(axis=1)
            folds = StratifiedKFold(splits, shuffle=True, random_state=self.seed).split(truth, y)
        for train, test in folds:
            features = Features.fit([texts[i] for i in train])
            weights = self._fit(features.transform([texts[i] for i in train]), truth[train])
            held_out[test] = weights.logits(features.transform([texts[i] for i in test]))
        return held_out

    def _probas(self, logits: Floats) -> Floats:
        z = logits / self.temperature_
        return _sigmoid(z) if self.multiple_ else _softmax(z)

    def decide(self, probas: Floats) -> list[list[str]]:
        """The labels to propose per row: the most probable one, or for multiple choice every label at 0.5
        or above (the most probable when none is)."""
        out: list[list[str]] = []
        for row in probas:
            if self.multiple_ and (row >= 0.5).any():
                out.append([self.classes_[j] for j in np.flatnonzero(row >= 0.5)])
            else:
                out.append([self.classes_[int(row.argmax())]])
        return out

    def _figures(self, probas: Floats, truth: Floats) -> dict[str, Any]:
        chosen = np.zeros(truth.shape)
        index = {label: j for j, label in enumerate(self.classes_)}
        for row, labels in enumerate(self.decide(probas)):
            for label in labels:
                chosen[row, index[label]] = 1.0
        exact = float((chosen == truth).all(axis=1).mean())
        per_label: dict[str, dict[str, float | int]] = {}
        for j, label in enumerate(self.classes_):
            hit = float((chosen[:, j] * truth[:, j]).sum())
            said, real = float(chosen[:, j].sum()), float(truth[:, j].sum())
            per_label[label] = {
                "precision": hit / said if said else 0.0,
                "recall": hit / real if real else 0.0,
                "support": int(real),
            }
        return {
            "accuracy": exact,
            "examples": int(truth.shape[0]),
            "folds": min(self.folds, int(truth.shape[0])),
            "temperature": self.temperature_,
            "per_label": per_label,
        }

    def predict_proba(self, texts: Sequence[str]) -> Floats:
        """Calibrated probabilities, n x K over `classes_`: rows sum to 1 for single choice, each label's
        own yes probability for multiple choice."""
        if self.features_ is None or self.weights_ is None:
            raise ModelError("the classifier is not trained")
        return self._probas(self.weights_.logits(self.features_.transform(list(texts))))
