"""Task-level agreement: the mean score over every pair of annotators of the task, as Label Studio
Enterprise defines it, so its figures and ours can be compared."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from typing import TypeVar

Answer = TypeVar("Answer")


def task_agreement_of(answers: Sequence[Answer], score: Callable[[Answer, Answer], float]) -> float | None:
    """Mean `score` over annotator pairs; None with fewer than two answers."""
    if len(answers) < 2:
        return None
    pairs = [score(a, b) for a, b in combinations(answers, 2)]
    return sum(pairs) / len(pairs)
