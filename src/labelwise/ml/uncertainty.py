"""Uncertainty strategies for active learning, as a certainty in [0, 1] per task.

Why a certainty and not an uncertainty: the queue's "uncertainty" sampling walks a project's predictions
by ascending `score` (index `ix_predictions_project_score`), so the stored score must be low where the
model is unsure. Each strategy maps a row of class probabilities to 1 for a sure answer and 0 for the most
unsure one:

- least confidence: the top probability, rescaled so a uniform row is 0: (p1 - 1/K) / (1 - 1/K);
- margin: the gap between the two top probabilities, p1 - p2;
- entropy: 1 - H(p) / log K.

Multiple choice (independent yes/no per label) scores each label as a two-class row and takes the mean.
Pure numpy: no database, usable in a notebook and the benchmark.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

Strategy = Literal["least_confidence", "margin", "entropy"]
STRATEGIES: tuple[Strategy, ...] = ("least_confidence", "margin", "entropy")
DEFAULT: Strategy = "least_confidence"

Floats = NDArray[np.float64]


def strategy(value: object) -> Strategy:
    """A strategy named in `extra_params.uncertainty`; ValueError naming the choices otherwise."""
    if value is None or value == "":
        return DEFAULT
    for known in STRATEGIES:
        if value == known:
            return known
    raise ValueError(f"uncertainty must be one of {', '.join(STRATEGIES)}, not {str(value)[:40]!r}")


def certainty(probas: Floats, how: Strategy = DEFAULT) -> Floats:
    """Per row of `probas` (n x K, rows summing to 1), how sure the model is under `how`, in [0, 1]."""
    p = np.clip(np.asarray(probas, dtype=np.float64), 0.0, 1.0)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError("probas must be a matrix with at least two columns")
    k = p.shape[1]
    if how == "least_confidence":
        out = (p.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
    elif how == "margin":
        top = np.sort(p, axis=1)
        out = top[:, -1] - top[:, -2]
    elif how == "entropy":
        logs = np.log(np.where(p > 0, p, 1.0))
        out = 1.0 + (p * logs).sum(axis=1) / np.log(k)
    else:
        raise ValueError(f"unknown uncertainty strategy {how!r}")
    return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)


def certainty_multi(probas: Floats, how: Strategy = DEFAULT) -> Floats:
    """Multiple choice: `probas` (n x K) holds each label's own yes probability; the mean certainty of the
    K yes/no questions."""
    p = np.clip(np.asarray(probas, dtype=np.float64), 0.0, 1.0)
    if p.ndim != 2 or p.shape[1] < 1:
        raise ValueError("probas must be a matrix with at least one column")
    n, k = p.shape
    pairs = np.stack([p.reshape(-1), 1.0 - p.reshape(-1)], axis=1)
    return np.asarray(certainty(pairs, how).reshape(n, k).mean(axis=1), dtype=np.float64)


def most_uncertain(scores: Floats, count: int) -> NDArray[np.int64]:
    """Indices of the `count` lowest certainties, most uncertain first (ties by index): what the queue
    hands out first, for the benchmark's simulated labeling."""
    order = np.argsort(np.asarray(scores, dtype=np.float64), kind="stable")
    return np.asarray(order[: max(0, count)], dtype=np.int64)
